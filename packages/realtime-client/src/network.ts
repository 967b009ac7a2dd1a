/**
 * Whether the device has a network, as the browser tells it (navigator.onLine and the online/offline events). The
 * browser can only say "certainly offline": online means "maybe", so the client never treats it as connected.
 */
export interface NetworkStatus {
  online(): boolean;
  /** Calls `listener` on every change; returns the function that stops it. */
  onChange(listener: (online: boolean) => void): () => void;
}

/** The browser's status; always online where there is no browser (Node, workers without navigator). */
export function browserNetwork(): NetworkStatus {
  const target = globalThis as {
    navigator?: { onLine?: boolean };
    addEventListener?: typeof addEventListener;
    removeEventListener?: typeof removeEventListener;
  };
  return {
    online: () => target.navigator?.onLine !== false,
    onChange(listener) {
      if (!target.addEventListener || !target.removeEventListener) return () => undefined;
      const online = () => listener(true);
      const offline = () => listener(false);
      target.addEventListener('online', online);
      target.addEventListener('offline', offline);
      return () => {
        target.removeEventListener?.('online', online);
        target.removeEventListener?.('offline', offline);
      };
    },
  };
}
