/**
 * The order Terraform may create resources in. Terraform builds a graph from references and `depends_on` and creates
 * whatever has its dependencies met, in parallel ("Resource Graph": "Terraform walks the graph in parallel"): two
 * resources without a path between them have no order at all. The applier creates them one by one, but every
 * resource may rely only on its own dependency closure (`dependencies(address)`), which is exactly what Terraform
 * guarantees; a check that AWS makes at creation time (an event source mapping's execution role may read its queue)
 * consults only that closure, so a missing `depends_on` fails here as it may fail in AWS.
 */
import { type Block, referencesIn, UnsupportedConfigurationError } from './terraform-json.js';

export interface ResourceGraph {
  /** Every block, dependencies first; ties broken by address so that runs are repeatable. */
  order: Block[];
  /** The transitive dependencies of a block (references and depends_on). */
  dependencies(address: string): ReadonlySet<string>;
}

export function resourceGraph(blocks: readonly Block[]): ResourceGraph {
  const byAddress = new Map(blocks.map((block) => [block.address, block]));
  const direct = new Map<string, Set<string>>();
  for (const block of blocks) {
    const deps = new Set<string>(block.dependsOn);
    for (const reference of referencesIn(block.args, block.address)) deps.add(reference.address);
    for (const dep of deps) {
      if (!byAddress.has(dep)) throw new UnsupportedConfigurationError(`${block.address} refers to ${dep}, which the configuration does not declare`);
      if (dep === block.address) throw new UnsupportedConfigurationError(`${block.address} refers to itself`);
    }
    direct.set(block.address, deps);
  }

  const order: Block[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (address: string, path: string[]) => {
    const seen = state.get(address);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new UnsupportedConfigurationError(`dependency cycle: ${[...path, address].join(' -> ')}`);
    state.set(address, 'visiting');
    for (const dep of [...(direct.get(address) ?? [])].sort()) visit(dep, [...path, address]);
    state.set(address, 'done');
    order.push(byAddress.get(address)!);
  };
  for (const address of [...byAddress.keys()].sort()) visit(address, []);

  const closures = new Map<string, Set<string>>();
  const closure = (address: string): Set<string> => {
    const known = closures.get(address);
    if (known) return known;
    const all = new Set<string>();
    for (const dep of direct.get(address) ?? []) {
      all.add(dep);
      for (const transitive of closure(dep)) all.add(transitive);
    }
    closures.set(address, all);
    return all;
  };
  return { order, dependencies: closure };
}
