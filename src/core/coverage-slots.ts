/** A question term's weight for coverage, with the asked word (group) it stands for. */
export interface Weighed {
  weight: number;
  group: string;
}

/** Each weighed term an archive holds, by slot: its id, weight and group (groups numbered in the order first met). */
export interface CoverageSlots {
  ids: number[];
  slotWeight: number[];
  slotGroup: number[];
  /** How many groups the weights name, held or not. */
  groups: number;
}

/** The slots a passage-coverage scan reads for a question's weights (worked out once per question: see Ranker.passageCoverage). */
export function coverageSlots(
  weights: ReadonlyMap<string, Weighed>,
  termId: ReadonlyMap<string, number>,
): CoverageSlots {
  const groupOf = new Map<string, number>();
  const slots: CoverageSlots = { ids: [], slotWeight: [], slotGroup: [], groups: 0 };
  for (const [term, w] of weights) {
    let group = groupOf.get(w.group);
    if (group === undefined) groupOf.set(w.group, (group = groupOf.size));
    const id = termId.get(term);
    if (id === undefined) continue;
    slots.ids.push(id);
    slots.slotWeight.push(w.weight);
    slots.slotGroup.push(group);
  }
  slots.groups = groupOf.size;
  return slots;
}
