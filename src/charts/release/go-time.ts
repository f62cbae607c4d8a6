// Timestamps printed as helm prints them (Go layouts, in the machine's local time zone).
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const p2 = (n: number) => String(n).padStart(2, "0");

/** The nanosecond digits of an RFC 3339 timestamp (JS dates stop at milliseconds). */
function fraction(iso: string): string {
  return /\.(\d+)/.exec(iso)?.[1] ?? "";
}

function zone(d: Date): { offset: string; name: string } {
  const mins = -d.getTimezoneOffset();
  const sign = mins < 0 ? "-" : "+";
  const offset = `${sign}${p2(Math.floor(Math.abs(mins) / 60))}${p2(Math.abs(mins) % 60)}`;
  if (mins === 0 && (process.env.TZ ?? "UTC").match(/^(UTC|Etc\/UTC|)$/)) return { offset, name: "UTC" };
  const name = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }).formatToParts(d).find((x) => x.type === "timeZoneName")?.value ?? offset;
  return { offset, name: name.startsWith("GMT") && mins !== 0 ? offset.slice(0, 3) : name };
}

/** Go's "2006-01-02 15:04:05.999999999 -0700 MST" (helm list's UPDATED). */
export function goDefaultTime(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const frac = fraction(iso).replace(/0+$/, "");
  const z = zone(d);
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}${frac ? `.${frac}` : ""} ${z.offset} ${z.name}`;
}

/** Go's ANSIC "Mon Jan _2 15:04:05 2006" (helm status and history). */
export function goAnsicTime(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`;
}
