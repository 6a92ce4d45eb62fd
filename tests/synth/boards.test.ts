import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.ts';
import { TARGETS, TARGET_NAMES } from '../../src/design/targets.ts';
import { assignPins, boardForTarget, boardNames, loadBoard, renderConstraints, topLevelPorts } from '../../src/synth/boards.ts';
import { Limiter, mapLimited } from '../../src/synth/limiter.ts';

const io = { sampleBits: 11, classBits: 3 };

describe('boards and pin files', () => {
  it('ships the four boards, each target has its default board', () => {
    expect(boardNames()).toEqual(['ice40hx8k-breakout', 'icebreaker', 'orangecrab', 'ulx3s']);
    for (const t of TARGET_NAMES) expect(boardForTarget(TARGETS[t]).targets).toContain(t);
  });

  it('lists every pin once and never reuses the oscillator pin', () => {
    for (const name of boardNames()) {
      const b = loadBoard(name);
      const pins = b.pins.map((p) => p.pin);
      expect(new Set(pins).size).toBe(pins.length);
      expect(pins).not.toContain(b.clock.pin);
    }
  });

  it('takes the widths from the manifest: clk, 5 control ports, sampleBits + classBits data pins', () => {
    const pins = assignPins(loadBoard('icebreaker'), { sampleBits: 12, classBits: 5 });
    expect(pins).toHaveLength(1 + 5 + 12 + 5);
    expect(pins[0]).toEqual({ port: 'clk', pin: '35', label: '12 MHz oscillator' });
    expect(pins.map((p) => p.port)).toEqual(['clk', ...topLevelPorts({ sampleBits: 12, classBits: 5 })]);
    expect(pins.at(-1)!.port).toBe('m_class[4]');
  });

  it('renders a .pcf for iCE40 and an .lpf with I/O standard and frequency for ECP5, deterministically', () => {
    const pcf = renderConstraints(loadBoard('icebreaker'), { design: 'd', io }, 12);
    expect(pcf.split('\n').filter((l) => l.startsWith('set_io '))).toHaveLength(20);
    expect(pcf).toContain('set_io s_data[10] ');
    const lpf = renderConstraints(loadBoard('ulx3s'), { design: 'd', io }, 25);
    expect(lpf.match(/^LOCATE COMP "/gm)).toHaveLength(20);
    expect(lpf.match(/^IOBUF PORT "[^"]+" IO_TYPE=LVCMOS33;$/gm)).toHaveLength(20);
    expect(lpf).toContain('LOCATE COMP "clk" SITE "G2";');
    expect(lpf).toContain('FREQUENCY PORT "clk" 25 MHZ;');
    expect(renderConstraints(loadBoard('ulx3s'), { design: 'd', io }, 25)).toBe(lpf);
  });

  it('refuses an interface wider than the board, before any tool runs', () => {
    expect(() => assignPins(loadBoard('orangecrab'), { sampleBits: 16, classBits: 5 })).toThrow(UserError);
    expect(() => assignPins(loadBoard('orangecrab'), { sampleBits: 16, classBits: 5 })).toThrow(/needs 27 pins .* offers 25/);
  });

  it('refuses a board that does not carry the target device', () => {
    expect(() => boardForTarget(TARGETS['ice40-up5k'], 'ulx3s')).toThrow(/does not carry the iCE40UP5K/);
    expect(() => boardForTarget(TARGETS['ice40-up5k'], 'nope')).toThrow(/unknown board 'nope'/);
  });
});

describe('job limiter', () => {
  it('never runs more jobs than slots and keeps result order', async () => {
    let active = 0;
    let peak = 0;
    const results = await mapLimited([5, 1, 4, 2, 3], 2, async (v) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, v));
      active--;
      return v * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
    expect(() => new Limiter(0)).toThrow();
  });
});
