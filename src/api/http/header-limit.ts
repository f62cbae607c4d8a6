// Bun's HTTP parser answers a bare 431 and closes (often read by the client as a reset)
// when a request line plus headers exceed its limit, 16 KiB by default. skiff raises that
// limit so over-long URLs and headers reach the front door, which answers 414/431 Statuses
// at its own, lower bounds.
export const PARSER_HEADER_LIMIT = 128 * 1024;
/** The runtime flag scripts/build.ts bakes into the executable. */
export const PARSER_HEADER_FLAG = `--max-http-header-size=${PARSER_HEADER_LIMIT}`;

export function raiseParserHeaderLimit(): void {
  if (process.execArgv.includes(PARSER_HEADER_FLAG)) return;
  // Run from source: node:http's setter moves the same process-wide limit. The executable
  // takes the flag instead, since loading node:http costs about 5 MB of memory.
  const http = require("node:http") as { maxHeaderSize: number };
  if (http.maxHeaderSize < PARSER_HEADER_LIMIT) http.maxHeaderSize = PARSER_HEADER_LIMIT;
}
