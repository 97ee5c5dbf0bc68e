/** A latch a sleeping loop waits on; `set` wakes it at once, otherwise it wakes after a timeout. */
export class WakeSignal {
  private pending = false;
  private wake: (() => void) | null = null;

  set(): void {
    this.pending = true;
    this.wake?.();
  }

  async wait(timeoutMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake?.(), timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
    this.pending = false;
  }
}
