// Kubernetes' remote command stream protocol (v5.channel.k8s.io): each websocket binary
// message is one channel byte followed by the payload.
export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;
export const EXEC_PROTOCOL = "v5.channel.k8s.io";

export function encodeFrame(channel: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = channel;
  out.set(payload, 1);
  return out;
}

/** The status kubectl reads on the error channel to decide its exit code. */
export function exitStatus(code: number) {
  if (code === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: ${code}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] },
  };
}

/** The channel protocols the agent serves for exec and attach, best first. */
export const STREAM_PROTOCOLS = [EXEC_PROTOCOL];
