const STORAGE_KEY = 'tresta-notifications:toasted';
const REMEMBERED = 200;

/**
 * True for the first tab of this browser to ask about a notification id, false for every later one:
 * the toast for a notification is shown once, wherever it arrived first. The check-and-set runs under
 * a Web Lock so two tabs receiving the same message at once cannot both win.
 */
export async function claimToast(id: string): Promise<boolean> {
  const claim = () => {
    try {
      const toasted = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]') as string[];
      if (toasted.includes(id)) return false;
      localStorage.setItem(STORAGE_KEY, JSON.stringify([...toasted.slice(-(REMEMBERED - 1)), id]));
      return true;
    } catch {
      // Storage unavailable (privacy mode): this tab cannot coordinate, so it shows its own toast.
      return true;
    }
  };
  const locks = typeof navigator === 'object' ? navigator.locks : undefined;
  return locks ? locks.request(STORAGE_KEY, async () => claim()) : claim();
}
