/** The few icons the widget draws, inline SVG (no icon font, nothing to fetch). */
const common = {
  viewBox: '0 0 24 24',
  fill: 'none',
  stroke: 'currentColor',
  strokeWidth: 2,
} as const;

export const ChatIcon = () => (
  <svg aria-hidden="true" {...common}>
    <path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z" />
  </svg>
);
export const CloseIcon = () => (
  <svg aria-hidden="true" {...common}>
    <path d="M6 6l12 12M18 6 6 18" />
  </svg>
);
export const MinimiseIcon = () => (
  <svg aria-hidden="true" {...common}>
    <path d="M5 12h14" />
  </svg>
);
export const RestoreIcon = () => (
  <svg aria-hidden="true" {...common}>
    <path d="M6 15l6-6 6 6" />
  </svg>
);
export const SendIcon = () => (
  <svg aria-hidden="true" {...common}>
    <path d="M4 12 20 4l-6 16-2-7-8-1z" />
  </svg>
);
export const StopIcon = () => (
  <svg aria-hidden="true" {...common}>
    <rect x="7" y="7" width="10" height="10" rx="1" fill="currentColor" />
  </svg>
);
