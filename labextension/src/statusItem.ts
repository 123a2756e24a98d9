/**
 * The status-bar item: what this kernel's session has spent, and its running batch jobs.
 */

import { Widget } from '@lumino/widgets';

import { IStatusSnapshot } from './statusFeed';

/** Dollars with enough digits that a few cheap requests do not read as $0.00. */
export function formatSpend(usd: number): string {
  if (usd === 0) {
    return '$0';
  }
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/**
 * The spend, with its estimated part marked: a stopped answer is billed for what it generated,
 * but its cost is the kernel's count, not xAI's.
 */
export function formatSpendWithEstimate(snapshot: IStatusSnapshot): string {
  const spend = formatSpend(snapshot.spend_usd);
  return snapshot.estimated_usd > 0
    ? `${spend} (≈${formatSpend(snapshot.estimated_usd)} est.)`
    : spend;
}

/**
 * The session's requests: a batch counts as one per row, as it is billed, so the number can be
 * large and is written with thousands separators.
 */
export function formatRequests(requests: number): string {
  return requests === 1 ? '1 request' : `${requests.toLocaleString('en-US')} requests`;
}

export function formatBatches(snapshot: IStatusSnapshot): string {
  const batches = snapshot.running_batches;
  if (batches.length === 0) {
    return '';
  }
  if (batches.length === 1) {
    const [batch] = batches;
    return `batch ${batch.name || batch.id} ${batch.done}/${batch.total}`;
  }
  const done = batches.reduce((sum, batch) => sum + batch.done, 0);
  const total = batches.reduce((sum, batch) => sum + batch.total, 0);
  return `${batches.length} batches ${done}/${total}`;
}

/** One line per batch, for the tooltip. */
export function describe(snapshot: IStatusSnapshot): string {
  const lines = [
    `xai-magics: ${formatSpend(snapshot.spend_usd)} spent in ${formatRequests(snapshot.calls)} this session`
  ];
  if (snapshot.estimated_usd > 0) {
    lines.push(
      `of which ≈${formatSpend(snapshot.estimated_usd)} is estimated: answers stopped before xAI reported their usage`
    );
  }
  for (const batch of snapshot.running_batches) {
    lines.push(`batch ${batch.name || batch.id} (${batch.id}): ${batch.done}/${batch.total} done`);
  }
  return lines.join('\n');
}

export class StatusItem extends Widget {
  private readonly _spend = document.createElement('span');
  private readonly _batches = document.createElement('span');

  constructor() {
    super();
    this.addClass('jp-xai-StatusItem');
    this.addClass('jp-StatusBar-TextItem');
    this._spend.className = 'jp-xai-StatusItem-spend';
    this._batches.className = 'jp-xai-StatusItem-batches';
    this.node.append(this._spend, this._batches);
  }

  /** Text only: batch names come from user code and are never interpreted as HTML. */
  render(snapshot: IStatusSnapshot | undefined): void {
    if (!snapshot) {
      this._spend.textContent = '';
      this._batches.textContent = '';
      this.node.title = '';
      return;
    }
    this._spend.textContent = `Grok ${formatSpendWithEstimate(snapshot)} · ${formatRequests(snapshot.calls)}`;
    const batches = formatBatches(snapshot);
    this._batches.textContent = batches === '' ? '' : ` · ${batches}`;
    this._batches.hidden = batches === '';
    this.node.title = describe(snapshot);
  }
}
