/**
 * The classifier in a worker thread (see classifier-pool.ts): loads the 职责清单 classifier once and
 * answers `{id, text}` messages with `{id, result}` or `{id, error}`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadClassifier } from '../fs-config/routing.js';
import type { ClassifierWorkerData, ClassifierWorkerReply, ClassifierWorkerRequest } from './classifier-pool.js';

const port = parentPort;
if (!port) throw new Error('classifier-worker runs only as a worker thread');
const { dutyList, threshold, routingModel } = workerData as ClassifierWorkerData;
const classifier = loadClassifier(dutyList, threshold, routingModel ?? '');
port.on('message', (batch: ClassifierWorkerRequest[]) => {
  const replies: ClassifierWorkerReply[] = batch.map(({ id, text }) => {
    try {
      return { id, result: classifier.classify(text) as Awaited<ReturnType<typeof classifier.classify>> };
    } catch (e) {
      return { id, error: e instanceof Error ? e.message : String(e) };
    }
  });
  port.postMessage(replies);
});
port.postMessage('ready');
