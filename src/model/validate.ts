/**
 * Parsing and validation of a quantized model: zod for the structure (qmodel.ts), then the
 * semantic checks that need arithmetic over the whole network. Every rejection is one
 * UserError line naming the source, the layer (index and name) and the field.
 */
import type { core } from 'zod';
import { UserError } from '../cli/errors.ts';
import {
  QMODEL_FORMAT,
  QMODEL_SCHEMA_VERSION,
  QModelSchema,
  hexBit,
  type BitFunction,
  type Layer,
  type QModel,
} from './qmodel.ts';
import {
  contributingConvPositions,
  convOutLength,
  convPreactSets,
  densePreactSets,
  logitValueBounds,
  normalizerDomain,
  pooledLength,
  type InputDomain,
  type ReachableSet,
} from './shapes.ts';

const LAYER_KINDS = ['conv', 'dense'];
const OUTPUT_KINDS = ['binary', 'logits'];
const FN_KINDS = ['ge', 'le', 'in', 'out', 'const', 'table'];
/** Largest window the normalizer's double-precision sums stay exact for (see normalizer.ts). */
const MAX_WINDOW = 2 ** 20;
/** Pre-activations live in 32-bit accumulators (typed arrays in the reference, registers in RTL). */
const MAX_PREACT = 2 ** 31 - 1;
const FIX = 're-export the model with a matching bitbeat exporter';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function layerLabel(index: number, layer: unknown): string {
  const name = isRecord(layer) && typeof layer.name === 'string' ? ` '${layer.name}'` : '';
  return `layer ${index}${name}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s || '(document)';
}

/** One zod issue as one line: layer-relative path where the issue is inside a layer. */
function zodIssueMessage(source: string, json: unknown, issue: core.$ZodIssue): string {
  const path = issue.path;
  if (path[0] === 'layers' && typeof path[1] === 'number' && path.length > 2) {
    const layers = isRecord(json) && Array.isArray(json.layers) ? json.layers : [];
    return `${source}: ${layerLabel(path[1], layers[path[1]])} field ${formatPath(path.slice(2))}: ${issue.message} (${FIX})`;
  }
  return `${source}: field ${formatPath(path)}: ${issue.message} (${FIX})`;
}

/** Checks that happen before the structural parse, because they change how to read the rest. */
function precheck(json: unknown, source: string): void {
  if (!isRecord(json)) throw new UserError(`${source}: not a JSON object (expected a ${QMODEL_FORMAT} document)`);
  if (json.format !== QMODEL_FORMAT) {
    throw new UserError(`${source}: field format is ${JSON.stringify(json.format)}, expected "${QMODEL_FORMAT}" (is this a bitbeat quantized model?)`);
  }
  const v = json.schemaVersion;
  if (typeof v === 'number' && Number.isInteger(v) && v > QMODEL_SCHEMA_VERSION) {
    throw new UserError(
      `${source}: field schemaVersion is ${v}, newer than this bitbeat supports (${QMODEL_SCHEMA_VERSION}); upgrade bitbeat or re-export with schema ${QMODEL_SCHEMA_VERSION}`,
    );
  }
  if (!Array.isArray(json.layers)) return;
  json.layers.forEach((layer, i) => {
    if (!isRecord(layer)) return;
    const at = `${source}: ${layerLabel(i, layer)}`;
    if (!LAYER_KINDS.includes(layer.kind as string)) {
      throw new UserError(`${at} field kind: unknown layer kind ${JSON.stringify(layer.kind)} (supported: ${LAYER_KINDS.join(', ')})`);
    }
    const out = layer.out;
    if (!isRecord(out)) return;
    if (!OUTPUT_KINDS.includes(out.kind as string)) {
      throw new UserError(`${at} field out.kind: unknown output kind ${JSON.stringify(out.kind)} (supported: ${OUTPUT_KINDS.join(', ')})`);
    }
    if (out.kind === 'binary' && Array.isArray(out.fns)) {
      out.fns.forEach((fn, c) => {
        if (isRecord(fn) && !FN_KINDS.includes(fn.kind as string)) {
          throw new UserError(`${at} field out.fns[${c}].kind: unknown bit function ${JSON.stringify(fn.kind)} (supported: ${FN_KINDS.join(', ')})`);
        }
      });
    }
  });
}

/** Checks a hex bit vector holds exactly `bits` bits: ceil(bits/4) digits and nothing set above. */
function checkHexWidth(hex: string, bits: number, fail: (msg: string) => never): void {
  const digits = Math.max(1, Math.ceil(bits / 4));
  if (hex.length !== digits) fail(`has ${hex.length} hex digits, expected ${digits} for ${bits} bits`);
  for (let i = bits; i < digits * 4; i++) if (hexBit(hex, i)) fail(`has bit ${i} set beyond its width of ${bits} bits`);
}

function checkBitFunction(fn: BitFunction, set: ReachableSet, fail: (msg: string) => never): void {
  if ((fn.kind === 'in' || fn.kind === 'out') && fn.lo > fn.hi) fail(`interval lo ${fn.lo} > hi ${fn.hi}`);
  if (fn.kind === 'table') {
    checkHexWidth(fn.bits, fn.size, (m) => fail(`table bits ${m}`));
    const last = fn.min + fn.size - 1;
    if (fn.min > set.lo || last < set.hi) {
      fail(`table covers [${fn.min}, ${last}] but the reachable pre-activation range is [${set.lo}, ${set.hi}]`);
    }
  }
}

/** Semantic checks of one layer, given what flows into it. Returns its output length. */
function checkLayer(
  model: QModel,
  index: number,
  layer: Layer,
  inLength: number,
  inChannels: number,
  domain: InputDomain,
  source: string,
): number {
  const last = index === model.layers.length - 1;
  const fail = (field: string, msg: string): never => {
    throw new UserError(`${source}: ${layerLabel(index, layer)} field ${field}: ${msg} (${FIX})`);
  };
  if (index === 0 && layer.kind !== 'conv') fail('kind', 'the first layer must be a conv layer reading the normalizer output');
  if (index === 0 && layer.inputKind !== 'int') fail('inputKind', `the first layer reads the normalizer's integers, so it must be 'int', not '${layer.inputKind}'`);
  if (index > 0 && layer.inputKind !== 'binary') fail('inputKind', `only the first layer reads integers; layer ${index} reads bits, so it must be 'binary'`);

  let outLength: number;
  let outChannels: number;
  let sets: ReachableSet[];
  if (layer.kind === 'conv') {
    if (layer.inChannels !== inChannels) {
      fail('inChannels', index === 0 ? `is ${layer.inChannels}, but the input has 1 channel` : `is ${layer.inChannels}, but layer ${index - 1} outputs ${inChannels} channels`);
    }
    if (layer.inputKind === 'binary' && ![-1, 0, 1].includes(layer.pad.value)) {
      fail('pad.value', `is ${layer.pad.value}; a binary input is padded with 0 (nothing), 1 or -1`);
    }
    if (domain.kind === 'int' && (layer.pad.value < domain.min || layer.pad.value > domain.max)) {
      fail('pad.value', `is ${layer.pad.value} z units, outside the normalizer's output range [${domain.min}, ${domain.max}] that the line buffer holds`);
    }
    const padded = inLength + layer.pad.left + layer.pad.right;
    if (layer.kernel > padded) fail('kernel', `${layer.kernel} is longer than the padded input (${inLength} + ${layer.pad.left} + ${layer.pad.right} = ${padded})`);
    const convLength = convOutLength(inLength, layer);
    outLength = pooledLength(convLength, layer.pool);
    if (outLength <= 0) fail('pool.size', `${layer.pool!.size} is longer than the conv output (${convLength} positions), leaving no output`);
    if (contributingConvPositions(convLength, layer.pool) <= 0) fail('pool', 'leaves no output positions');
    outChannels = layer.outChannels;
    if (layer.weights.length !== outChannels) fail('weights', `has ${layer.weights.length} vectors, expected outChannels = ${outChannels}`);
    const taps = layer.kernel * layer.inChannels;
    layer.weights.forEach((hex, c) => checkHexWidth(hex, taps, (m) => fail(`weights[${c}]`, `${m} (kernel*inChannels = ${layer.kernel}*${layer.inChannels})`)));
    sets = convPreactSets(layer, inLength, domain);
  } else {
    if (layer.inFeatures !== inLength * inChannels) {
      fail('inFeatures', `is ${layer.inFeatures}, but layer ${index - 1} outputs ${inLength} positions x ${inChannels} channels = ${inLength * inChannels}`);
    }
    outLength = 1;
    outChannels = layer.outFeatures;
    if (layer.weights.length !== outChannels) fail('weights', `has ${layer.weights.length} vectors, expected outFeatures = ${outChannels}`);
    layer.weights.forEach((hex, c) => checkHexWidth(hex, layer.inFeatures, (m) => fail(`weights[${c}]`, `${m} (inFeatures = ${layer.inFeatures})`)));
    sets = densePreactSets(layer);
  }
  sets.forEach((s, c) => {
    if (Math.max(-s.lo, s.hi) > MAX_PREACT) fail(`weights[${c}]`, `pre-activation range [${s.lo}, ${s.hi}] does not fit a 32-bit accumulator`);
  });

  const out = layer.out;
  const what = layer.kind === 'conv' ? 'outChannels' : 'outFeatures';
  if (out.fns.length !== outChannels) fail('out.fns', `has ${out.fns.length} functions, expected ${what} = ${outChannels}`);
  if (out.kind === 'logits') {
    if (!last) fail('out.kind', `logits must be the last layer's output, but ${model.layers.length - 1 - index} layer(s) follow`);
    if (out.reduce === 'none' && outLength !== 1) fail('out.reduce', `'none' needs a single output position, the layer has ${outLength} (use 'sum')`);
    out.fns.forEach((fn, c) => {
      const s = sets[c]!;
      const b = logitValueBounds(fn, s.lo, s.hi);
      const positions = out.reduce === 'sum' ? outLength : 1;
      if (Math.max(Math.abs(b.lo), Math.abs(b.hi)) * positions > Number.MAX_SAFE_INTEGER) {
        fail(`out.fns[${c}]`, 'logit range exceeds 2^53; scale pos/neg/bias down');
      }
    });
  } else {
    if (last) fail('out.kind', `the last layer must output logits (one per class), not '${out.kind}'`);
    out.fns.forEach((fn, c) => checkBitFunction(fn, sets[c]!, (m) => fail(`out.fns[${c}]`, m)));
  }
  if (last && outChannels !== model.classes.length) {
    fail(what, `is ${outChannels}, but the model has ${model.classes.length} classes (${model.classes.join(', ')})`);
  }
  return outLength;
}

function checkModel(model: QModel, source: string): void {
  const nz = model.normalizer;
  if (model.input.length > MAX_WINDOW) {
    throw new UserError(`${source}: field input.length: ${model.input.length} samples is more than the supported ${MAX_WINDOW} per window`);
  }
  if (nz.kind === 'zscore') {
    if (nz.recipBits < nz.fracBits) {
      throw new UserError(`${source}: field normalizer.recipBits: ${nz.recipBits} < fracBits ${nz.fracBits}; the scale shift recipBits - fracBits must be >= 0`);
    }
    if (nz.recipWidth > 31) {
      throw new UserError(`${source}: field normalizer.recipWidth: ${nz.recipWidth} > 31; the reciprocal must fit 31 bits for exact arithmetic`);
    }
  }
  const names = new Map<string, number>();
  model.layers.forEach((l, i) => {
    const prev = names.get(l.name);
    if (prev !== undefined) throw new UserError(`${source}: ${layerLabel(i, l)} field name: same name as layer ${prev}; layer names must be unique (they name hardware blocks and traces)`);
    names.set(l.name, i);
  });
  let inLength = model.input.length;
  let inChannels = 1;
  let domain: InputDomain = normalizerDomain(nz);
  model.layers.forEach((layer, i) => {
    const outLength = checkLayer(model, i, layer, inLength, inChannels, domain, source);
    inLength = outLength;
    inChannels = layer.kind === 'conv' ? layer.outChannels : layer.outFeatures;
    domain = { kind: 'binary' };
  });
}

/**
 * Parses and validates a quantized model document. `source` names it in error messages
 * (usually the file path). Throws UserError with one line on the first problem found.
 */
export function parseModel(json: unknown, source: string): QModel {
  precheck(json, source);
  const r = QModelSchema.safeParse(json);
  if (!r.success) throw new UserError(zodIssueMessage(source, json, r.error.issues[0]!));
  checkModel(r.data, source);
  return r.data;
}
