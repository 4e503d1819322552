/**
 * Loads the flow files and keeps serving: a file that breaks on reload is reported and its
 * last good version stays in use, so a typo in a hand-edited YAML never takes the hotline down.
 */
import type { FlowFiles } from '../ports/flow-files.js';
import type { FlowSource } from './runner.js';
import { compileFlow, type CompiledFlow } from './steps/index.js';
import { flowNameOf, validateFlowSource, type FlowError, type ValidateOptions } from './validate.js';

export interface FlowLoadReport {
  /** flows (re)loaded from their current file */
  loaded: string[];
  /** broken files whose last good version is still served */
  keptLastGood: string[];
  /** broken files that never loaded: no such flow is served */
  failed: string[];
  /** files that disappeared: their flows are no longer served */
  removed: string[];
  errors: FlowError[];
}

export interface FlowRegistryOptions extends ValidateOptions {
  /** told about every (re)load, e.g. to log errors or set a readiness detail */
  onReport?: (r: FlowLoadReport) => void;
}

export class FlowRegistry implements FlowSource {
  private readonly flows = new Map<string, CompiledFlow>();
  private readonly sources = new Map<string, string>();
  private lastErrors: FlowError[] = [];

  constructor(
    readonly files: FlowFiles,
    private readonly opts: FlowRegistryOptions = {},
  ) {}

  get(name: string): CompiledFlow | undefined {
    return this.flows.get(name);
  }

  names(): string[] {
    return [...this.flows.keys()].sort();
  }

  /** Problems found by the last load (a served flow may still have a broken newer file). */
  errors(): FlowError[] {
    return [...this.lastErrors];
  }

  /** Reads the files again. Never throws. */
  load(): FlowLoadReport {
    const report: FlowLoadReport = { loaded: [], keptLastGood: [], failed: [], removed: [], errors: [] };
    let files: string[] = [];
    let dirReadable = false;
    try {
      files = this.files.list();
      dirReadable = true;
    } catch (e) {
      report.errors.push({ file: this.files.where, line: 0, message: `cannot read flow directory: ${(e as Error).message}` });
    }
    const seen = new Set<string>();
    for (const file of files) {
      const name = flowNameOf(file);
      seen.add(name);
      let source: string;
      try {
        source = this.files.read(file);
      } catch (e) {
        report.errors.push({ file, line: 0, message: `cannot read: ${(e as Error).message}` });
        (this.flows.has(name) ? report.keptLastGood : report.failed).push(name);
        continue;
      }
      if (this.sources.get(name) === source && this.flows.has(name)) continue;
      const res = validateFlowSource(source, file, this.opts);
      if (res.flow) {
        this.flows.set(name, compileFlow(res.flow));
        this.sources.set(name, source);
        report.loaded.push(name);
      } else {
        report.errors.push(...res.errors);
        (this.flows.has(name) ? report.keptLastGood : report.failed).push(name);
      }
    }
    // An unreadable directory (unmounted volume) is not a reason to drop the flows in use.
    if (dirReadable) {
      for (const name of [...this.flows.keys()]) {
        if (!seen.has(name)) {
          this.flows.delete(name);
          this.sources.delete(name);
          report.removed.push(name);
        }
      }
    }
    this.lastErrors = report.errors;
    this.opts.onReport?.(report);
    return report;
  }

  /** Reloads shortly after files change. Returns a function that stops watching. */
  watch(debounceMs = 200): () => void {
    let timer: NodeJS.Timeout | undefined;
    let stop: (() => void) | undefined;
    try {
      stop = this.files.watch(() => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => this.load(), debounceMs);
      });
    } catch (e) {
      this.lastErrors = [...this.lastErrors, { file: this.files.where, line: 0, message: `cannot watch: ${(e as Error).message}` }];
    }
    return () => {
      if (timer) clearTimeout(timer);
      stop?.();
    };
  }
}
