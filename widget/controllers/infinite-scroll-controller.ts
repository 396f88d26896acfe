import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Calls `onEnd` whenever the element `target()` returns (a sentinel after the last item) is within
 * `margin` of its scroll container's visible area. The sentinel is observed afresh after every
 * update, because a page that loads without filling the container leaves it in view, and an
 * IntersectionObserver only reports changes.
 */
export class InfiniteScrollController implements ReactiveController {
  private observer: IntersectionObserver | undefined;

  constructor(
    host: ReactiveControllerHost,
    private readonly target: () => Element | null,
    private readonly root: () => Element | null,
    private readonly onEnd: () => void,
    private readonly margin = '120px',
  ) {
    host.addController(this);
  }

  hostUpdated(): void {
    const target = this.target();
    if (!target) return this.observer?.disconnect();
    this.observer ??= new IntersectionObserver((entries) => entries.some((entry) => entry.isIntersecting) && this.onEnd(), {
      root: this.root(),
      rootMargin: this.margin,
    });
    this.observer.disconnect();
    this.observer.observe(target);
  }

  hostDisconnected(): void {
    this.observer?.disconnect();
    this.observer = undefined;
  }
}
