// Child processes (podman, host tools) still running when skiff exits are killed with it:
// after a stop whose deadline passed, or a second signal, nothing stuck may outlive the
// process that started it.

type Child = PromiseLike<unknown> & { kill(signal?: NodeJS.Signals): boolean };

const live = new Set<Child>();
let hooked = false;

/** Tracks `child` until it ends; returns it unchanged. */
export function killOnExit<T extends Child>(child: T): T {
  if (!hooked) {
    hooked = true;
    process.on("exit", () => {
      for (const c of live) {
        try {
          c.kill("SIGKILL");
        } catch {
          // already gone
        }
      }
    });
  }
  live.add(child);
  const forget = () => void live.delete(child);
  child.then(forget, forget);
  return child;
}
