/**
 * Receives the session status that xai-magics publishes from inside each kernel.
 *
 * The kernel opens a comm with target `xai_magics.status` on first use and sends a full snapshot
 * on every change. A page that connects to a kernel after that comm was opened (a reload, a second
 * tab) asks the kernel which such comms exist and requests the latest snapshot over them.
 */

import { ISessionContext } from '@jupyterlab/apputils';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

export const STATUS_COMM_TARGET = 'xai_magics.status';

export interface IRunningBatch {
  name: string;
  id: string;
  done: number;
  total: number;
}

/** The budget nearest to running out, when one is in force (xai_magics.spend). */
export interface IBudget {
  usd: number;
  spent_usd: number;
  /** 'session' (this kernel) or 'day' (all kernels on the machine, today) */
  scope: string;
  /** "$3.10 of $5.00", worded by the kernel as %grok_usage words it */
  text: string;
  /** 80% or more of it is spent */
  warning: boolean;
}

export interface IStatusSnapshot {
  /** The session's spend, estimates included. */
  spend_usd: number;
  /** The part of spend_usd counted by the kernel: answers stopped before xAI reported usage. */
  estimated_usd: number;
  calls: number;
  running_batches: IRunningBatch[];
  budget: IBudget | null;
}

function parseBudget(data: unknown): IBudget | null {
  if (typeof data !== 'object' || data === null) {
    return null;
  }
  const record = data as Record<string, unknown>;
  const usd = finiteNumber(record.usd);
  const spent = finiteNumber(record.spent_usd);
  return {
    usd,
    spent_usd: spent,
    scope: record.scope === 'day' ? 'day' : 'session',
    text: typeof record.text === 'string' ? record.text : '',
    warning: record.warning === true || (usd > 0 && spent >= 0.8 * usd)
  };
}

function finiteNumber(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Read a snapshot defensively: the front end must not break on a kernel of another version. */
export function parseSnapshot(data: unknown): IStatusSnapshot | null {
  if (typeof data !== 'object' || data === null) {
    return null;
  }
  const record = data as Record<string, unknown>;
  const batches = Array.isArray(record.running_batches) ? record.running_batches : [];
  return {
    spend_usd: finiteNumber(record.spend_usd),
    estimated_usd: finiteNumber(record.estimated_usd),
    calls: finiteNumber(record.calls),
    running_batches: batches
      .filter((b): b is Record<string, unknown> => typeof b === 'object' && b !== null)
      .map(b => ({
        name: String(b.name ?? ''),
        id: String(b.id ?? ''),
        done: finiteNumber(b.done),
        total: finiteNumber(b.total)
      })),
    budget: parseBudget(record.budget)
  };
}

/** The latest snapshot of every kernel this page is connected to, keyed by kernel id. */
export class StatusFeed {
  private readonly _snapshots = new Map<string, IStatusSnapshot>();
  private readonly _attached = new WeakSet<Kernel.IKernelConnection>();
  private readonly _changed = new Signal<this, string>(this);

  /** Emits the id of the kernel whose snapshot changed or was cleared. */
  get changed(): ISignal<this, string> {
    return this._changed;
  }

  snapshot(kernelId: string | undefined): IStatusSnapshot | undefined {
    return kernelId === undefined ? undefined : this._snapshots.get(kernelId);
  }

  /** Follow the kernels of a notebook or console, across kernel changes. */
  watch(sessionContext: ISessionContext): void {
    const attachCurrent = () => {
      const kernel = sessionContext.session?.kernel;
      if (kernel) {
        this._attach(kernel);
      }
      // A different kernel has its own snapshot (or none yet): views showing this session redraw.
      this._changed.emit(kernel?.id ?? '');
    };
    sessionContext.kernelChanged.connect(attachCurrent);
    attachCurrent();
  }

  private _attach(kernel: Kernel.IKernelConnection): void {
    if (this._attached.has(kernel)) {
      return;
    }
    this._attached.add(kernel);
    // Registered even when the status item is switched off: an unknown target makes JupyterLab
    // log an error and close the comm on the kernel's side.
    kernel.registerCommTarget(STATUS_COMM_TARGET, (comm, openMsg) => {
      this._listen(kernel, comm);
      this._update(kernel.id, openMsg.content.data);
    });
    kernel.statusChanged.connect((_, status) => {
      if (status === 'restarting' || status === 'autorestarting' || status === 'dead') {
        this._clear(kernel.id);
      }
    });
    kernel.connectionStatusChanged.connect((_, status) => {
      if (status === 'connected') {
        void this._rejoin(kernel);
      }
    });
    kernel.disposed.connect(() => this._clear(kernel.id));
    if (kernel.connectionStatus === 'connected') {
      void this._rejoin(kernel);
    }
  }

  private _listen(kernel: Kernel.IKernelConnection, comm: Kernel.IComm): void {
    comm.onMsg = (msg: KernelMessage.ICommMsgMsg) => this._update(kernel.id, msg.content.data);
  }

  /** Pick up a comm the kernel opened before this page connected, and ask for its snapshot. */
  private async _rejoin(kernel: Kernel.IKernelConnection): Promise<void> {
    let reply: KernelMessage.ICommInfoReplyMsg;
    try {
      reply = await kernel.requestCommInfo({ target_name: STATUS_COMM_TARGET });
    } catch {
      return; // the kernel went away or does not answer comm_info; nothing to rejoin
    }
    if (reply.content.status !== 'ok') {
      return;
    }
    for (const [commId, info] of Object.entries(reply.content.comms)) {
      if (info.target_name !== STATUS_COMM_TARGET || kernel.hasComm(commId)) {
        continue;
      }
      const comm = kernel.createComm(STATUS_COMM_TARGET, commId);
      this._listen(kernel, comm);
      comm.send({ request: 'snapshot' });
    }
  }

  private _update(kernelId: string, data: unknown): void {
    const snapshot = parseSnapshot(data);
    if (snapshot) {
      this._snapshots.set(kernelId, snapshot);
      this._changed.emit(kernelId);
    }
  }

  private _clear(kernelId: string): void {
    if (this._snapshots.delete(kernelId)) {
      this._changed.emit(kernelId);
    }
  }
}
