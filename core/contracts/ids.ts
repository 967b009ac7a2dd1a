/** Id fields of the contracts, with the rules of core/ids.ts (nothing that widens a policy grant or a topic). */
import * as v from 'valibot';
import { isValidId } from '../ids.js';

export const SafeId = v.pipe(
  v.string('must be a string'),
  v.check((value: string) => isValidId(value), 'must be 1-64 letters, digits, "_" or "-"'),
);
