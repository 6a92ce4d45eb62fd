import { describe, expect, it } from 'vitest';
import { formatWfdbHeader, parseWfdbHeader } from '../../src/data/wfdb/header.ts';
import { UserError } from '../../src/cli/errors.ts';

const MITDB_STYLE =
  '100 2 360 650000\r\n' +
  '100.dat 212 200 11 1024 995 -22131 0 MLII\r\n' +
  '100.dat 212 200 11 1024 1011 20052 0 V5\r\n' +
  '# 69 M 1085 1629 x1\r\n' +
  '# Aldomet, Inderal\r\n';

describe('WFDB header', () => {
  it('parses a MIT-BIH style header with CRLF line endings', () => {
    const h = parseWfdbHeader(MITDB_STYLE, '100.hea');
    expect(h.recordName).toBe('100');
    expect(h.signalCount).toBe(2);
    expect(h.samplingFrequency).toBe(360);
    expect(h.sampleCount).toBe(650000);
    expect(h.signals[0]).toMatchObject({
      fileName: '100.dat', format: 212, gain: 200, baseline: 1024, units: 'mV', adcResolution: 11,
      adcZero: 1024, initialValue: 995, checksum: -22131, blockSize: 0, description: 'MLII',
    });
    expect(h.signals[1]!.description).toBe('V5');
    expect(h.comments).toEqual(['69 M 1085 1629 x1', 'Aldomet, Inderal']);
  });

  it('gives the same result with LF line endings', () => {
    expect(parseWfdbHeader(MITDB_STYLE.replace(/\r\n/g, '\n'), 'x.hea')).toEqual(parseWfdbHeader(MITDB_STYLE, 'x.hea'));
  });

  it('reads gain(baseline)/units, format suffixes and multi-word descriptions', () => {
    const h = parseWfdbHeader('r 1 250\nr.dat 212x1:0+24 400(-12)/uV 12 0 -3 77 0 ECG lead II\n', 'r.hea');
    expect(h.signals[0]).toMatchObject({ format: 212, byteOffset: 24, gain: 400, baseline: -12, units: 'uV', initialValue: -3, checksum: 77, description: 'ECG lead II' });
    expect(h.sampleCount).toBeUndefined();
  });

  it('applies WFDB defaults for omitted fields', () => {
    const h = parseWfdbHeader('r 1\nr.dat 16\n', 'r.hea');
    expect(h.samplingFrequency).toBe(250);
    expect(h.signals[0]).toMatchObject({ gain: 200, baseline: 0, units: 'mV', initialValue: undefined, checksum: undefined, description: '' });
  });

  it('round-trips through formatWfdbHeader', () => {
    const h = parseWfdbHeader(MITDB_STYLE, 'x.hea');
    expect(parseWfdbHeader(formatWfdbHeader(h), 'x.hea')).toEqual(h);
  });

  it('reports malformed headers as one UserError naming the file and line', () => {
    expect(() => parseWfdbHeader('', 'a.hea')).toThrow(UserError);
    expect(() => parseWfdbHeader('r 2 360 10\nr.dat 212 200 11 1024 0 0 0 MLII\n', 'b.hea')).toThrow(/b\.hea: .*announces 2 signals but 1/);
    expect(() => parseWfdbHeader('r 1 360 10\nr.dat abc\n', 'c.hea')).toThrow(/c\.hea: invalid WFDB header at line 2: bad format field 'abc'/);
    expect(() => parseWfdbHeader('r 1 360 10\nr.dat 212 200 11 1024 x1 0\n', 'd.hea')).toThrow(/d\.hea: .*bad initial value 'x1'/);
    expect(() => parseWfdbHeader('r/2 1 360\n', 'e.hea')).toThrow(/multi-segment/);
  });
});
