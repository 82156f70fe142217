declare module 'ua-parser-js' {
  interface UAResult {
    browser: { name?: string; version?: string; major?: string };
    os: { name?: string; version?: string };
    device: { vendor?: string; model?: string; type?: string };
  }
  class UAParser {
    constructor(ua?: string);
    getResult(): UAResult;
  }
  export default UAParser;
}
