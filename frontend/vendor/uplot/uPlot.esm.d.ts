// The page imports uPlot by URL (/vendor/uplot/uPlot.esm.js, served from node_modules); this shim
// gives that relative import the package's own types so `tsc --checkJs` sees the real API.
import uPlot from "uplot";
export default uPlot;
