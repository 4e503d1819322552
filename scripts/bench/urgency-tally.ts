/**
 * How a labelled set's 即办 requests and ordinary ones came out, counted the same way by every
 * dispatch benchmark (classify-dev, classify-leave-set-out): a 即办 paged at once or at either
 * level (待核实 included), an ordinary request paged at once (a duty officer woken for nothing) or
 * put on the 待核实 list.
 */
export class UrgencyTally {
  flagged = 0;
  urgent = 0;
  pagedUrgent = 0;
  eitherUrgent = 0;
  ordinary = 0;
  pagedOrdinary = 0;
  checkedOrdinary = 0;

  /** label: the set's `urgent` field (null or undefined where the set does not label it). */
  add(label: boolean | null | undefined, got: { urgent: boolean; urgentCheck: boolean }): void {
    if (got.urgent) this.flagged++;
    if (label === true) {
      this.urgent++;
      if (got.urgent) this.pagedUrgent++;
      if (got.urgent || got.urgentCheck) this.eitherUrgent++;
    } else if (label === false) {
      this.ordinary++;
      if (got.urgent) this.pagedOrdinary++;
      else if (got.urgentCheck) this.checkedOrdinary++;
    }
  }

  addAll(other: UrgencyTally): void {
    for (const k of ['flagged', 'urgent', 'pagedUrgent', 'eitherUrgent', 'ordinary', 'pagedOrdinary', 'checkedOrdinary'] as const) this[k] += other[k];
  }

  summary(): string {
    return `即办 paged at once ${this.pagedUrgent}/${this.urgent}, either level ${this.eitherUrgent}/${this.urgent}; ordinary paged at once ${this.pagedOrdinary}/${this.ordinary}, 待核实 ${this.checkedOrdinary}`;
  }
}
