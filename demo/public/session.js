// Who is signed in, and fetch with their session token. A real host app would get the token from
// its identity provider (Clerk); the demo signs one for the chosen demo user.
let session = Promise.resolve(null);

/** Signs in as a demo user; until it answers, token requests wait for it. */
export function signIn(user) {
  session = fetch(`/demo/token?user=${encodeURIComponent(user)}`).then((response) => {
    if (!response.ok) throw new Error(`cannot sign in as ${user}`);
    return response.json();
  });
  return session;
}

/** The signed-in user's session token: the widget's tokenProvider. */
export const sessionToken = async () => (await session)?.token ?? null;

/** Fetches JSON as the signed-in user; a failed request throws an error carrying the server's message. */
export async function api(path, { method = 'GET', body } = {}) {
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${await sessionToken()}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw Object.assign(new Error(answer.message ?? `${response.status} ${response.statusText}`), { status: response.status });
  }
  return answer;
}
