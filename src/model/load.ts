/** Reading a quantized model from disk: JSON parse errors and validation errors are one UserError line. */
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../cli/errors.ts';
import type { QModel } from './qmodel.ts';
import { parseModel } from './validate.ts';

export function loadModel(path: string): QModel {
  if (!existsSync(path)) throw new UserError(`${path}: model file not found (pass --model <file.json>, e.g. one of models/*.json)`);
  const text = readFileSync(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${(err as Error).message}); re-export the model`);
  }
  return parseModel(json, path);
}
