import { SteadyChatError } from '../errors/index.js';

/**
 * A request was refused because it carries personal data whose action is `block`. The message
 * names the type and where it is (field and character offsets), never the value.
 */
export class PiiBlockedError extends SteadyChatError {
  /** The blocked type, e.g. `CN_ID`. */
  readonly piiType: string;
  /** Where in the request, e.g. `messages[1].content`. */
  readonly field: string;
  /** UTF-16 offsets of the finding inside that field's text. */
  readonly start: number;
  readonly end: number;

  constructor(piiType: string, field: string, start: number, end: number) {
    const hint = `Remove it from the text, or change the action for ${piiType} in the redact settings.`;
    super(
      'pii_blocked',
      `Request blocked: it contains ${piiType} in ${field} at characters ${start}–${end}. ${hint}`,
      {
        hint,
      },
    );
    this.piiType = piiType;
    this.field = field;
    this.start = start;
    this.end = end;
  }
}
