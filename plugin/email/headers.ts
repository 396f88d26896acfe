// What the plugin puts into an email's header fields from text it does not control (a
// notification's title, a recipient's name): one line, and one address per recipient.

/** C0 and C1 control characters (CR and LF among them), DEL, and Unicode's line and paragraph separators. */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** Text for a header field such as Subject: every run of control characters becomes one space. */
export function headerText(value: string): string {
  return value.replace(CONTROL_CHARACTERS, ' ').trim();
}

/** An addr-spec with nothing a header parser could read as a second address, a group or a comment. */
const ADDRESS = /^[^\s@<>(),;:\\"[\]]+@[^\s@<>(),;:\\"[\]]+$/;

export function isMailboxAddress(email: string): boolean {
  return ADDRESS.test(email);
}

/** Letters, digits, spaces and RFC 5322's other atom characters: a display name safe to write as is. */
const PLAIN_PHRASE = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/;
/** 45 bytes become 60 base64 characters: with `=?UTF-8?B?` and `?=` a word stays within RFC 2047's 75. */
const ENCODED_WORD_BYTES = 45;

/**
 * A display name as RFC 2047 encoded words (UTF-8, base64), cut between characters. Encoded words
 * carry no comma, quote, `@` or angle bracket, so no parser, strict or lax, reads a second address
 * out of a name — which a quoted string only guarantees to a strict one.
 */
function encodedWords(name: string): string {
  const words: string[] = [];
  let chunk = '';
  for (const character of name) {
    if (Buffer.byteLength(chunk + character) > ENCODED_WORD_BYTES) {
      words.push(chunk);
      chunk = '';
    }
    chunk += character;
  }
  words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word).toString('base64')}?=`).join(' ');
}

/**
 * The `to` of one recipient: `Name <address>` with the name written so it holds nothing but a name
 * (as is when plain, else encoded), or the bare address when there is no name. The address must
 * already satisfy isMailboxAddress.
 */
export function mailbox(recipient: { email: string; name?: string }): string {
  const name = headerText(recipient.name ?? '');
  if (name === '') return recipient.email;
  return `${PLAIN_PHRASE.test(name) ? name : encodedWords(name)} <${recipient.email}>`;
}
