// What the panel script finds in Printernizer's page: CONFIG (config.js), Logger (logger.js), i18n and t()
// (i18n.js). t() answers the key itself, so tests see which text the panel chose.
var CONFIG = { API_BASE_URL: "api/v1" };
var Logger = { debug: function () {}, info: function () {}, error: function () {} };
var i18n = { locale: "de" };
function t(key, params) { return params && params.message ? key + ": " + params.message : key; }
window.confirm = function () { return true; };
