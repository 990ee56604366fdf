'use client';

import { useEffect, useState } from 'react';
import Button, { type ButtonProps } from '@mui/material/Button';

/** How long "Copied" stays before the button reads as it did. */
const COPIED_MS = 1500;

/**
 * Copies `value` to the clipboard and says so in words (announced), not only by colour; when the
 * browser refuses (or has no clipboard: plain http), it says to copy by hand.
 */
export function CopyButton({
  value,
  label = 'Copy',
  accessibleName,
  size,
  variant = 'outlined',
}: {
  value: string;
  /** The button's text before and after copying. */
  label?: string;
  /** Names what is copied where the text does not ("Copy ARK" on a button reading "Copy"). */
  accessibleName?: string;
  size?: ButtonProps['size'];
  variant?: ButtonProps['variant'];
}) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');

  useEffect(() => {
    if (state !== 'copied') return;
    const timer = setTimeout(() => setState('idle'), COPIED_MS);
    return () => clearTimeout(timer);
  }, [state]);

  async function copy() {
    try {
      // Called within the click (browsers want that); over plain http `navigator.clipboard` is
      // missing and this throws at once, which is a failure like a refusal.
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      setState('failed');
    }
  }

  return (
    <Button
      size={size}
      variant={variant}
      aria-label={accessibleName}
      onClick={() => void copy()}
    >
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select and copy it' : label}</span>
    </Button>
  );
}
