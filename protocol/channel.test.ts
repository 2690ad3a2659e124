import { encodeFrame, FrameDecoder, MAX_FRAME_BYTES } from './channel';

describe('channel framing', () => {
  it('round-trips messages split across arbitrary chunk boundaries', () => {
    const frames = Buffer.concat([
      encodeFrame({ t: 'inv_start', requestId: 'r1', ts: 1 }),
      encodeFrame({ t: 'inv_end', requestId: 'r1', ts: 2, outcome: 'success' }),
    ]);
    const dec = new FrameDecoder('agent');
    const got: string[] = [];
    for (let i = 0; i < frames.length; i += 3) {
      for (const ev of dec.push(frames.subarray(i, i + 3))) if (ev.kind === 'message') got.push(ev.msg.t);
    }
    expect(got).toEqual(['inv_start', 'inv_end']);
  });

  it('marks an oversize declared length as fatal without buffering it', () => {
    const dec = new FrameDecoder('agent');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    const evs = dec.push(head);
    expect(evs).toEqual([expect.objectContaining({ kind: 'error', error: 'oversize' })]);
    expect(dec.fatal).toBe(true);
    expect(dec.push(Buffer.from('more'))).toEqual([]);
  });

  it('reports bad JSON, bad shapes and unknown types and keeps decoding', () => {
    const raw = (s: string) => {
      const b = Buffer.from(s);
      const h = Buffer.alloc(4);
      h.writeUInt32BE(b.length, 0);
      return Buffer.concat([h, b]);
    };
    const dec = new FrameDecoder('agent');
    const evs = dec.push(Buffer.concat([raw('{nope'), raw('[1]'), raw('{"t":"quarantine"}'), raw('{"t":"stats","dropped":0,"internalErrors":0,"queued":0}')]));
    expect(evs.map((e) => (e.kind === 'error' ? e.error : e.msg.t))).toEqual(['bad_json', 'bad_shape', 'unknown_type', 'stats']);
  });

  it('refuses to encode a frame over the limit', () => {
    expect(() => encodeFrame({ t: 'record', kind: 'x', data: { big: 'x'.repeat(MAX_FRAME_BYTES) } })).toThrow(RangeError);
  });
});
