// The status page's stylesheet, served as /status.css (the CSP allows no inline style).
export const STATUS_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5rem 2rem; color: #1d1d1f; }
header { display: flex; gap: .5rem; align-items: baseline; padding: .75rem 0; border-bottom: 1px solid #ddd; }
header a { font-weight: 600; color: inherit; text-decoration: none; }
.live { margin-left: auto; font-size: 12px; color: #a33; }
.live.ok { color: #2a7a2a; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 1.5rem; }
#master { font-family: ui-monospace, monospace; }
table { border-collapse: collapse; min-width: 60%; }
th, td { text-align: left; padding: .25rem .75rem .25rem 0; border-bottom: 1px solid #eee; font-variant-numeric: tabular-nums; }
tr.master td { font-weight: 600; }
.events { font-family: ui-monospace, monospace; font-size: 12px; padding-left: 1.25rem; }
.error { color: #a33; }
#auth, #admin { margin: 1rem 0; }
`;
