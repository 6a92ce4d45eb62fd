/**
 * Tying the synthesized hierarchy to the manifest's layers. The generator names each engine's
 * instance after its layer; an instance of the top belongs to layer L when L's name appears in
 * the instance name as whole `_`-separated tokens (`u_conv1`, `conv1`, `u_conv1_engine` all
 * belong to `conv1`; `u_conv10` does not). When several layers match, the longest name wins.
 * Instances matching no layer are reported under their own names, and the top module's own
 * cells as `(top)`, so the rows always add up to the design total.
 */
import type { LayerEstimate } from '../design/manifest.ts';
import type { ResourceCounts } from '../synth/resources.ts';
import { addCounts, emptyCounts, sumCounts } from '../synth/resources.ts';
import type { InstanceResult } from '../synth/result.ts';

export interface LayerResources {
  /** manifest layer name, or null for an instance matching no layer and for the top's glue */
  layer: string | null;
  /** row label: the layer name, the instance name, or `(top)` */
  label: string;
  instances: string[];
  actual: ResourceCounts | null;
  estimate: LayerEstimate | null;
}

function tokens(s: string): string[] {
  return s.toLowerCase().split(/[_.\s]+/).filter(Boolean);
}

function containsTokens(haystack: string[], needle: string[]): boolean {
  if (needle.length === 0) return false;
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((t, j) => haystack[i + j] === t)) return true;
  }
  return false;
}

export function layerOfInstance(instanceName: string, layers: string[]): string | null {
  const hay = tokens(instanceName);
  const matches = layers.filter((l) => containsTokens(hay, tokens(l)));
  if (matches.length === 0) return null;
  return [...matches].sort((a, b) => b.length - a.length || a.localeCompare(b))[0]!;
}

export function layerResources(estimates: LayerEstimate[], instances: InstanceResult[], topOwn: ResourceCounts): LayerResources[] {
  const names = estimates.map((e) => e.layer);
  const byLayer = new Map<string, InstanceResult[]>();
  const unmatched: InstanceResult[] = [];
  for (const inst of instances) {
    const layer = layerOfInstance(inst.name, names);
    if (layer === null) unmatched.push(inst);
    else byLayer.set(layer, [...(byLayer.get(layer) ?? []), inst]);
  }
  const rows: LayerResources[] = estimates.map((e) => {
    const insts = byLayer.get(e.layer) ?? [];
    return {
      layer: e.layer,
      label: e.layer,
      instances: insts.map((i) => i.path),
      actual: insts.length ? sumCounts(insts.map((i) => i.resources)) : null,
      estimate: e,
    };
  });
  for (const inst of unmatched) rows.push({ layer: null, label: inst.name, instances: [inst.path], actual: inst.resources, estimate: null });
  const glue = addCounts(emptyCounts(), topOwn);
  const glueCells = Object.values(glue.other).reduce((a, b) => a + b, 0) + glue.lut4 + glue.ff + glue.carry + glue.bram + glue.spram + glue.dsp + glue.lutram;
  if (glueCells > 0) rows.push({ layer: null, label: '(top)', instances: [], actual: glue, estimate: null });
  return rows;
}
