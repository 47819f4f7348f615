export { auroc, aurocDetailed, rocCurve, areaUnder, type Label, type RocPoint, type AurocResult } from './auroc';
export { PixelMetrics, type PixelMetricsOptions, type ProPoint, type ProResult } from './pixel';
export { labelComponents } from './components';
export { rocSvg, type RocSvgCurve } from './svg';
