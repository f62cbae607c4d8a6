// SPDY/3.1 as kubectl port-forward speaks it: frames cut anywhere in the byte stream,
// header blocks compressed by a real zlib with SPDY's dictionary, and the session's
// answers (SYN_REPLY, data, FIN, error stream, RST_STREAM, PING) to a scripted client.
import { describe, expect, test } from "bun:test";
import zlib from "node:zlib";
import { CONTROL, FLAG_FIN, FrameReader, HEADER_DICTIONARY, HeaderCodec, RST, concat, controlFrame, dataFrame, encodeHeaderBlock, readU32, u32, type Frame, type Headers } from "../../../src/api/spdy/framing.ts";
import { ChannelPortForward, PortForwardSession, type RelayEvents } from "../../../src/server/port-forward.ts";
import { RELAY } from "../../../src/api/portforward-protocol.ts";

/** A client-side header compressor as Go's framer makes one: one zlib stream, a sync flush per frame. */
function clientCompressor() {
  const deflate = zlib.createDeflate({ dictionary: HEADER_DICTIONARY, level: 9 });
  return (headers: Headers) =>
    new Promise<Uint8Array>((resolve) => {
      const out: Buffer[] = [];
      const onData = (b: Buffer) => out.push(b);
      deflate.on("data", onData);
      deflate.write(encodeHeaderBlock(headers));
      deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        deflate.off("data", onData);
        resolve(Buffer.concat(out));
      });
    });
}

/** A reader of our compressed header blocks, as the client's zlib reads them. */
function clientDecompressor() {
  const inflate = zlib.createInflate({ dictionary: HEADER_DICTIONARY });
  return (block: Uint8Array) =>
    new Promise<Buffer>((resolve, reject) => {
      const out: Buffer[] = [];
      const onData = (b: Buffer) => out.push(b);
      inflate.on("data", onData);
      inflate.once("error", reject);
      inflate.write(block);
      inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        inflate.off("data", onData);
        resolve(Buffer.concat(out));
      });
    });
}

const synStream = async (compress: (h: Headers) => Promise<Uint8Array>, id: number, headers: Headers, flags = 0) =>
  controlFrame(CONTROL.synStream, flags, concat(u32(id, 0), new Uint8Array([0, 0]), await compress(headers)));

describe("frames", () => {
  test("a byte stream cut at every offset gives the same frames", () => {
    const stream = concat(controlFrame(CONTROL.ping, 0, u32(7)), dataFrame(3, FLAG_FIN, new TextEncoder().encode("hello")), dataFrame(5, 0, new Uint8Array(0)));
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new FrameReader();
      const frames = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      expect(frames).toHaveLength(3);
      expect(frames[0]).toMatchObject({ control: true, type: CONTROL.ping, flags: 0 });
      expect(readU32((frames[0] as Frame).payload, 0)).toBe(7);
      expect(frames[1]).toMatchObject({ control: false, streamId: 3, flags: FLAG_FIN });
      expect(new TextDecoder().decode(frames[1]!.payload)).toBe("hello");
      expect(frames[2]).toMatchObject({ control: false, streamId: 5, flags: 0 });
    }
  });

  test("header blocks of one zlib stream are read frame after frame, and ours are read by zlib", async () => {
    const compress = clientCompressor();
    const codec = new HeaderCodec();
    const first = { streamtype: ["error"], port: ["8080"], requestid: ["0"] };
    const second = { streamtype: ["data"], port: ["8080"], requestid: ["0"] };
    expect(await codec.inflate(await compress(first))).toEqual(first);
    // The second block refers back to the first one's bytes: it only inflates in sequence.
    expect(await codec.inflate(await compress(second))).toEqual(second);
    codec.close();
    const ours = new HeaderCodec();
    const read = clientDecompressor();
    expect([...(await read(ours.deflate({})))]).toEqual([...u32(0)]);
    const named = await read(ours.deflate({ Status: ["200"], a: ["1", "2"] }));
    expect([...named]).toEqual([...encodeHeaderBlock({ status: ["200"], a: ["1", "2"] })]);
  });
});

/** A session wired to a scripted relay; returns what it wrote, frame by frame. */
function session(ports: number[] = []) {
  const written = new FrameReader();
  const frames: Frame[] = [];
  const relays: { port: number; events: RelayEvents; sent: Uint8Array[]; closed: boolean }[] = [];
  let hungUp = false;
  const s = new PortForwardSession(
    (bytes) => frames.push(...written.push(bytes)) >= 0,
    () => {
      hungUp = true;
    },
    (port, events) => {
      const r = { port, events, sent: [] as Uint8Array[], closed: false };
      relays.push(r);
      return { send: (b) => r.sent.push(b), close: () => (r.closed = true) };
    },
    ports,
  );
  return { s, frames, relays, hungUp: () => hungUp };
}

const settle = () => Bun.sleep(20);

describe("a port-forward session", () => {
  test("error and data streams are answered, bytes flow both ways, the pod's close ends both streams", async () => {
    const { s, frames, relays } = session();
    const compress = clientCompressor();
    s.receive(await synStream(compress, 1, { streamtype: ["error"], port: ["80"], requestid: ["0"] }));
    s.receive(await synStream(compress, 3, { streamtype: ["data"], port: ["80"], requestid: ["0"] }));
    s.receive(dataFrame(3, 0, new TextEncoder().encode("GET /")));
    s.receive(dataFrame(3, FLAG_FIN, new Uint8Array(0)));
    s.receive(controlFrame(CONTROL.ping, 0, u32(1)));
    await settle();
    expect(frames.filter((f) => f.control && f.type === CONTROL.synReply).map((f) => readU32(f.payload, 0))).toEqual([1, 3]);
    expect(frames.find((f) => f.control && f.type === CONTROL.ping)?.payload).toEqual(u32(1));
    expect(relays).toHaveLength(1);
    expect(relays[0]!.port).toBe(80);
    expect(relays[0]!.sent.map((b) => [b[0], new TextDecoder().decode(b.subarray(1))])).toEqual([
      [RELAY.data, "GET /"],
      [RELAY.end, ""],
    ]);
    relays[0]!.events.onData(new Uint8Array(150_000).fill(7));
    relays[0]!.events.onClose();
    await settle();
    const data = frames.filter((f) => !f.control);
    // Cut into pieces no larger than 64 KiB, then a FIN on the data stream, then on the error stream (no message).
    expect(data.map((f) => [(f as { streamId: number }).streamId, f.payload.length, f.flags])).toEqual([
      [3, 65536, 0],
      [3, 65536, 0],
      [3, 150_000 - 131_072, 0],
      [3, 0, FLAG_FIN],
      [1, 0, FLAG_FIN],
    ]);
    expect(relays[0]!.closed).toBe(true);
  });

  test("a failed connection writes its reason on the error stream; a port not asked for is refused", async () => {
    const { s, frames, relays } = session([80]);
    const compress = clientCompressor();
    s.receive(await synStream(compress, 1, { streamtype: ["error"], port: ["80"], requestid: ["4"] }));
    s.receive(await synStream(compress, 3, { streamtype: ["data"], port: ["80"], requestid: ["4"] }));
    await settle();
    relays[0]!.events.onError("connect ECONNREFUSED 10.42.1.2:80");
    relays[0]!.events.onClose();
    s.receive(await synStream(compress, 5, { streamtype: ["data"], port: ["81"], requestid: ["5"] }));
    await settle();
    const onError = frames.filter((f) => !f.control && f.streamId === 1);
    expect(onError.map((f) => [new TextDecoder().decode(f.payload), f.flags])).toEqual([
      ["connect ECONNREFUSED 10.42.1.2:80", 0],
      ["", FLAG_FIN],
    ]);
    const rst = frames.find((f) => f.control && f.type === CONTROL.rstStream)!;
    expect([readU32(rst.payload, 0), readU32(rst.payload, 4)]).toEqual([5, RST.refusedStream]);
    expect(relays).toHaveLength(1);
  });

  test("closing the session closes every relay; GOAWAY closes it", async () => {
    const { s, relays, hungUp } = session();
    const compress = clientCompressor();
    s.receive(await synStream(compress, 1, { streamtype: ["data"], port: ["80"], requestid: ["0"] }));
    s.receive(await synStream(compress, 3, { streamtype: ["data"], port: ["81"], requestid: ["1"] }));
    await settle();
    expect(relays.map((r) => r.closed)).toEqual([false, false]);
    s.receive(controlFrame(CONTROL.goAway, 0, u32(0, 0)));
    await settle();
    expect(relays.map((r) => r.closed)).toEqual([true, true]);
    expect(hungUp()).toBe(true);
  });
});

describe("the channel protocol", () => {
  test("each port's channels start with the port; data and errors travel on them; the socket closes after the last connection", () => {
    const sent: number[][] = [];
    const relays: { port: number; events: RelayEvents; sent: Uint8Array[] }[] = [];
    let hungUp = false;
    const s = new ChannelPortForward(
      (b) => sent.push([...b]) >= 0,
      () => (hungUp = true),
      (port, events) => {
        const r = { port, events, sent: [] as Uint8Array[] };
        relays.push(r);
        return { send: (b) => r.sent.push(b), close: () => {} };
      },
      [8080, 9000],
    );
    expect(sent).toEqual([[0, 0x90, 0x1f], [1, 0x90, 0x1f], [2, 0x28, 0x23], [3, 0x28, 0x23]]);
    expect(relays.map((r) => r.port)).toEqual([8080, 9000]);
    s.receive(new Uint8Array([2, 104, 105]));
    s.receive(new Uint8Array([1, 1]));
    s.receive(new Uint8Array([255, 2]));
    expect(relays[1]!.sent.map((b) => [...b])).toEqual([[RELAY.data, 104, 105], [RELAY.end]]);
    expect(relays[0]!.sent).toEqual([]);
    relays[0]!.events.onData(new Uint8Array([7]));
    relays[1]!.events.onError("refused");
    expect(sent.slice(4)).toEqual([[0, 7], [3, ...new TextEncoder().encode("refused")]]);
    relays[0]!.events.onClose();
    expect(hungUp).toBe(false);
    relays[1]!.events.onClose();
    expect(hungUp).toBe(true);
  });
});

describe("flow", () => {
  test("a backed-up client pauses the relay that wrote, once; a drain resumes it", async () => {
    let backedUp = true;
    const sent: Uint8Array[] = [];
    const s = new PortForwardSession(
      () => !backedUp,
      () => {},
      (_port, events) => {
        setTimeout(() => {
          events.onData(new Uint8Array(10));
          events.onData(new Uint8Array(10));
        }, 5);
        return { send: (b) => sent.push(b), close: () => {} };
      },
      [],
    );
    s.receive(await synStream(clientCompressor(), 1, { streamtype: ["data"], port: ["80"], requestid: ["0"] }));
    await settle();
    expect(sent.map((b) => b[0])).toEqual([RELAY.pause]);
    backedUp = false;
    s.drain();
    s.drain();
    expect(sent.map((b) => b[0])).toEqual([RELAY.pause, RELAY.resume]);
  });
});

describe("hostile input", () => {
  test("a header block that inflates past 256 KiB fails instead of growing", async () => {
    const compress = clientCompressor();
    const codec = new HeaderCodec();
    const bomb = await compress({ x: ["a".repeat(1024 * 1024)] });
    expect(bomb.length).toBeLessThan(8 * 1024);
    await expect(codec.inflate(bomb)).rejects.toThrow("SPDY header block too large");
    const { s, hungUp } = session();
    s.receive(controlFrame(CONTROL.synStream, 0, concat(u32(1, 0), new Uint8Array([0, 0]), await clientCompressor()({ x: ["a".repeat(1024 * 1024)] }))));
    await settle();
    expect(hungUp()).toBe(true);
  });
});
