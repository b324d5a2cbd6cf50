/**
 * The action test kit of the platform's scaffolder modules: run an action as the scaffolder does
 * (checkpoints that survive a crashed worker, dry runs, logs kept), run every example of an
 * action, wait for an emulator's requests to be answered, and check that no secret leaked.
 *
 * @packageDocumentation
 */
export { Crash, runAction, type RunOptions, type RunResult } from './runner';
export {
  exampleSteps,
  renderInput,
  runExamples,
  type ExampleStep,
} from './examples';
export { waitForAnswers } from './requests';
export { assertNoSecrets } from './secrets';
export {
  dialectProblems,
  factoryName,
  missingActionFiles,
  registeredActions,
} from './module';
