/**
 * A parse or execution failure, with Go's text/template message. `cause` is the error a
 * called function returned, as Go wraps it (%w) so that callers can walk the chain.
 */
export class TemplateError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "TemplateError";
  }
}
