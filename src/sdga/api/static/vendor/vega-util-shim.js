// vega-interpreter imports three helpers from vega-util; the vega bundle (loaded first) exports them.
export const { ascending, isString, DisallowedObjectProperties } = window.vega;
