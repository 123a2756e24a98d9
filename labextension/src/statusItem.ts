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

/**
 * Spend against the budget nearest to running out: "$3.10 of $5.00" ("... today" for the day
 * budget shared by the machine's kernels); the plain spend when no budget is in force.
 */
export function formatSpendAndBudget(snapshot: IStatusSnapshot): string {
  const budget = snapshot.budget;
  if (!budget || budget.text === '') {
    return formatSpendWithEstimate(snapshot);
  }
  const mark = budget.warning ? '⚠ ' : '';
  return `${mark}${budget.text}${budget.scope === 'day' ? ' today' : ''}`;
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
  const budget = snapshot.budget;
  if (budget && budget.text !== '') {
    const which =
      budget.scope === 'day' ? "today's budget, all kernels on this machine" : 'the session budget';
    const share = budget.usd > 0 ? ` (${Math.round((100 * budget.spent_usd) / budget.usd)}%)` : '';
    lines.push(`${budget.text} of ${which}${share}`);
    if (budget.warning) {
      lines.push('warning: a call that could cost more than what is left is refused');
    }
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
    this._spend.textContent = `Grok ${formatSpendAndBudget(snapshot)} · ${formatRequests(snapshot.calls)}`;
    this.toggleClass('jp-xai-StatusItem-warning', snapshot.budget?.warning === true);
    const batches = formatBatches(snapshot);
    this._batches.textContent = batches === '' ? '' : ` · ${batches}`;
    this._batches.hidden = batches === '';
    this.node.title = describe(snapshot);
  }
}
