/** The IVR: flow language (ivr-flows/*.yaml), its validator and loader, and the provider-neutral runner. */
export type { Condition, FlowDefinition, GatherBranch, PromptItem, StepSpec, Verb } from './flow.js';
export { BUILTIN_VARS, VERBS } from './flow.js';
export type {
  CallInput,
  DialInstruction,
  DialResult,
  GatherInstruction,
  HangupInstruction,
  Instruction,
  IvrPathEntry,
  PlayInstruction,
  PromptInstruction,
  QueueInstruction,
  QueueResult,
  RecordInstruction,
  SayInstruction,
  ScreenPop,
  Turn,
} from './instructions.js';
export type {
  ActionContext,
  CallInfo,
  CallProgressEvent,
  CallProgressListener,
  CallSession,
  CallSessionStore,
  CreateTicketArgs,
  IvrAction,
  IvrServices,
  TicketLookup,
} from './ports.js';
export { FlowRegistry, type FlowLoadReport, type FlowRegistryOptions } from './registry.js';
export { IvrRunner, formatIvrPath, type FlowSource, type IvrRunnerDeps } from './runner.js';
export { compileFlow, createStep, type CompiledFlow, type Step, type StepContext, type StepResult } from './steps/index.js';
export { FILTERS, renderTemplate, spellDigits } from './template.js';
export { BUILTIN_ACTIONS, checkFlows, formatFlowError, validateFlowSource, type FlowError, type ValidateOptions } from './validate.js';
