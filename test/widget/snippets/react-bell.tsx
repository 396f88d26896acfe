// The React snippet of docs/widget.md, type-checked against the built package by test/widget/frameworks.test.ts.
import { useEffect, useRef } from 'react';
import type {} from 'tresta-notifications/react';
import type { TrestaNotificationsElement } from 'tresta-notifications/widget';

declare function useAuth(): { getToken: () => Promise<string | null> };

export function NotificationBell({ onArrival }: { onArrival?: (title: string) => void }) {
  const ref = useRef<TrestaNotificationsElement>(null);
  const { getToken } = useAuth();

  useEffect(() => {
    const element = ref.current!;
    const onNotification = (event: HTMLElementEventMap['tresta-notification']) => onArrival?.(event.detail.notification.title);
    element.addEventListener('tresta-notification', onNotification);
    return () => element.removeEventListener('tresta-notification', onNotification);
  }, [onArrival]);

  // React 19 sets tokenProvider and tabs as properties; nothing is requested before the provider exists.
  return (
    <tresta-notifications
      ref={ref}
      api-base="/api"
      tokenProvider={getToken}
      tabs={[{ label: 'All' }, { label: 'Builds', category: 'builds' }]}
    />
  );
}

// @ts-expect-error: an unknown theme is refused
export const wrong = <tresta-notifications theme="blue" />;
