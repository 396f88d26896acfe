import type { FetchImplementation } from 'jose';

/**
 * A fetch for jose's remote key set that stops reading once the body passes `maxBytes`: jose reads
 * whatever the key server sends, so a hostile or broken one could fill the process's memory.
 */
export function fetchWithSizeLimit(maxBytes: number): FetchImplementation {
  return async (url, options) => {
    const response = await fetch(url, options);
    const declared = Number(response.headers.get('content-length'));
    // Cancelling tells the sender to stop; nothing waits for it to agree.
    const tooLarge = () => {
      response.body?.cancel().catch(() => {});
      return new Error(`the key set is larger than ${maxBytes} bytes`);
    };
    if (declared > maxBytes) throw tooLarge();
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = response.body?.getReader();
    for (let read = await reader?.read(); reader && read && !read.done; read = await reader.read()) {
      size += read.value.byteLength;
      if (size > maxBytes) {
        reader.releaseLock();
        throw tooLarge();
      }
      chunks.push(read.value);
    }
    return new Response(Buffer.concat(chunks), { status: response.status, headers: response.headers });
  };
}
