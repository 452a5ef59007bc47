// Turns byte counts into what a progress bar shows: rate (smoothed) and time left.
export type PullStatus = 'checking' | 'waiting' | 'downloading' | 'verifying' | 'committing' | 'cached' | 'done';

export interface PullProgress {
  received: number;
  total?: number;
  bytesPerSec: number;
  etaSec?: number;
  status: PullStatus;
}

/** One line for a progress display: status, MB so far (of the total), rate and time left. */
export function progressText(p: PullProgress): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const size = p.total !== undefined ? `${mb(p.received)}/${mb(p.total)} MB` : `${mb(p.received)} MB`;
  const rate = p.bytesPerSec > 0 ? ` ${mb(p.bytesPerSec)} MB/s` : '';
  const eta = p.etaSec !== undefined && Number.isFinite(p.etaSec) ? ` ETA ${Math.ceil(p.etaSec)} s` : '';
  return `${p.status} ${size}${rate}${eta}`;
}

/** Emits at most every `intervalMs` while downloading, always on a status change. */
export class ProgressMeter {
  private lastEmit = 0;
  private lastSampleAt = Date.now();
  private lastSampleBytes = 0;
  private rate = 0;
  private status: PullStatus | undefined;

  constructor(
    private readonly emit: (p: PullProgress) => void,
    private readonly intervalMs = 100,
  ) {}

  update(status: PullStatus, received: number, total?: number): void {
    const now = Date.now();
    const dt = now - this.lastSampleAt;
    if (dt >= 250 && received >= this.lastSampleBytes) {
      const sample = ((received - this.lastSampleBytes) * 1000) / dt;
      this.rate = this.rate > 0 ? 0.5 * sample + 0.5 * this.rate : sample;
      this.lastSampleAt = now;
      this.lastSampleBytes = received;
    } else if (received < this.lastSampleBytes) {
      this.lastSampleBytes = received; // restarted from zero
    }
    if (status === this.status && now - this.lastEmit < this.intervalMs) return;
    this.status = status;
    this.lastEmit = now;
    const etaSec = total !== undefined && this.rate > 0 ? Math.max(0, (total - received) / this.rate) : undefined;
    this.emit({ received, total, bytesPerSec: Math.round(this.rate), etaSec, status });
  }
}
