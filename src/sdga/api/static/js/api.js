// HTTP helpers: the API key (when the deployment asks for one), JSON calls and error shapes.
export const API = "/api/v1";

export function apiKey() { return localStorage.getItem("sdga-api-key") || ""; }

export function authHeaders(extra = {}) {
  const headers = Object.assign({}, extra);
  if (apiKey()) headers["X-API-Key"] = apiKey();
  return headers;
}

export async function api(path, options = {}) {
  const headers = authHeaders(Object.assign({ Accept: "application/json" }, options.headers || {}));
  if (options.body !== undefined && typeof options.body === "string") headers["Content-Type"] = "application/json";
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) document.getElementById("api-key-box").hidden = false;
  const isJson = (response.headers.get("content-type") || "").includes("application/json");
  const data = isJson ? await response.json() : null;
  if (!response.ok) {
    const err = new Error((data && data.message) || `HTTP ${response.status}`);
    err.body = data;
    err.status = response.status;
    throw err;
  }
  if (data === null && !isJson) return response;
  return data;
}

export const post = (path, body) => api(path, { method: "POST", body: JSON.stringify(body) });

// A download through fetch (so the API key header goes with it), saved under the server's file name.
export async function downloadFrom(path, options = {}, fallbackName = "download") {
  const response = await fetch(path, Object.assign({}, options, { headers: authHeaders(options.headers || {}) }));
  if (!response.ok) {
    const data = await response.json().catch(() => ({ message: `HTTP ${response.status}` }));
    throw new Error(data.message);
  }
  const match = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = match ? match[1] : fallbackName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}
