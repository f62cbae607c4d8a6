// SIGTERM and SIGINT for the commands that keep running (server, agent), handled from their
// first line: the first signal aborts a start in progress or stops what runs; a stop that
// has not finished within STOP_DEADLINE_MS exits anyway; a second signal exits at once.
// Whatever state the parts are in (never started, stuck on podman, a dead server), the
// process is gone within 10 s.

/** Under the 10 s a service manager or an operator is promised, with room to spare. */
export const STOP_DEADLINE_MS = 8000;

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;
type Handled = keyof typeof SIGNAL_NUMBERS;

export type ShutdownSignals = {
  /** Aborted by the first signal: a start watching it gives up and closes what it began. */
  signal: AbortSignal;
  /** What the first signal runs (at once if it already came). */
  onStop(stop: () => Promise<void>): void;
  /** The exit code once a signal came and the stop finished: 0, or 1 when the stop failed. */
  done: Promise<number>;
};

export function handleShutdownSignals(command: string): ShutdownSignals {
  const abort = new AbortController();
  const done = Promise.withResolvers<number>();
  const say = (line: string) => process.stderr.write(`${command}: ${line}\n`);
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;
  let deadline: Timer | undefined;

  const runStop = () => {
    if (stopping || !stop) return;
    stopping = true;
    stop().then(
      () => done.resolve(0),
      (e) => {
        say(`stop failed: ${(e as Error).message}`);
        done.resolve(1);
      },
    );
  };
  void done.promise.then(() => clearTimeout(deadline));

  const onSignal = (name: Handled) => {
    if (abort.signal.aborted) {
      say(`second ${name}, exiting now`);
      process.exit(128 + SIGNAL_NUMBERS[name]);
    }
    say(`${name}, shutting down`);
    abort.abort();
    deadline = setTimeout(() => {
      say(`not stopped within ${STOP_DEADLINE_MS / 1000} s, exiting anyway`);
      process.exit(1);
    }, STOP_DEADLINE_MS);
    runStop();
  };
  for (const name of Object.keys(SIGNAL_NUMBERS) as Handled[]) process.on(name, () => onSignal(name));

  return {
    signal: abort.signal,
    onStop(fn) {
      stop = fn;
      if (abort.signal.aborted) runStop();
    },
    done: done.promise,
  };
}
