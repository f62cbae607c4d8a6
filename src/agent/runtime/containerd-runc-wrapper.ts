// `ctr run` has no --user and no way to hand the container a stdin the agent can write to
// later. Both are settled where runc creates the container: a containerd shim runs the OCI
// runtime named by `ctr run --runc-binary`, and this small program stands in for runc for
// the containers that need it. On `create` it sets the process's user from the container's
// annotation and gives the container its stdin FIFO, then runs runc with the same arguments.
// Every other call goes straight to runc.
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";

/** The annotation carrying "uid:gid" (numeric; Kubernetes' runAsUser / runAsGroup). */
export const USER_ANNOTATION = "io.skiff.user";

/**
 * runc is found on the shim's PATH. `config.json` is containerd's compact JSON, whose
 * process.user is `{"uid":N,"gid":N[,"additionalGids":[…]]}`; the wrapper refuses to start
 * a container whose user it could not set rather than run it as root.
 */
export const RUNC_WRAPPER_SCRIPT = `#!/bin/sh
cmd=; bundle=; id=
for a; do
  case $prev in --bundle|-b) bundle=$a ;; esac
  case $a in create) [ -z "$cmd" ] && cmd=$a ;; esac
  prev=$a; id=$a
done
[ "$cmd" = create ] && [ -n "$bundle" ] || exec runc "$@"
config="$bundle/config.json"
user=$(sed -n 's/.*"io\\.skiff\\.user":"\\([0-9]*:[0-9]*\\)".*/\\1/p' "$config")
if [ -n "$user" ]; then
  uid=\${user%:*}; gid=\${user#*:}
  sed -i 's/"user":{"uid":[0-9]*,"gid":[0-9]*\\(,"additionalGids":\\[[0-9,]*\\]\\)\\{0,1\\}}/"user":{"uid":'"$uid"',"gid":'"$gid"'}/' "$config"
  grep -q '"user":{"uid":'"$uid"',"gid":'"$gid"'}' "$config" || { echo "skiff: cannot set the user of $id" >&2; exit 1; }
fi
fifo="\${0%/*}/io/$id.stdin"
[ -p "$fifo" ] && exec runc "$@" <"$fifo"
exec runc "$@"
`;

export function writeRuncWrapper(path: string): void {
  if (!existsSync(path) || readFileSync(path, "utf8") !== RUNC_WRAPPER_SCRIPT) writeFileSync(path, RUNC_WRAPPER_SCRIPT);
  chmodSync(path, 0o755);
}

/** The wrapper and the folder of stdin FIFOs beside it (the script finds them from its own path). */
export function runcWrapperPaths(metaDir: string): { wrapper: string; io: string } {
  return { wrapper: `${metaDir}/runc-wrapper.sh`, io: `${metaDir}/io` };
}

/** ContainerSpec.user as "uid:gid": numeric only (Kubernetes' runAsUser and runAsGroup are numbers); the group defaults to 0. */
export function numericUser(user: string): string | undefined {
  const m = /^(\d+)(?::(\d+))?$/.exec(user.trim());
  return m ? `${m[1]}:${m[2] ?? "0"}` : undefined;
}
