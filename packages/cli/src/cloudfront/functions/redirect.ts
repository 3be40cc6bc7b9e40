/**
 * Viewer-request function of a `redirect_from` distribution: every request is answered at the
 * edge with a 301 to the same path and query on the main domain. The reference redirected through
 * an S3 website bucket named after the domain, which needed a globally unique bucket name and an
 * empty bucket per domain; a function needs neither and never reaches its origin.
 */
export function redirectFunctionSource(targetDomain: string): string {
  // JSON.stringify quotes the domain safely; CloudFront Functions run ECMAScript 5.1 + some ES6.
  return `function handler(event) {
  var r = event.request;
  var parts = [];
  var qs = r.querystring;
  for (var name in qs) {
    var v = qs[name];
    var values = v.multiValue ? v.multiValue : [v];
    for (var i = 0; i < values.length; i++) {
      parts.push(values[i].value === '' ? name : name + '=' + values[i].value);
    }
  }
  var location = 'https://' + ${JSON.stringify(targetDomain)} + r.uri + (parts.length ? '?' + parts.join('&') : '');
  return {
    statusCode: 301,
    statusDescription: 'Moved Permanently',
    headers: { location: { value: location }, 'cache-control': { value: 'max-age=3600' } }
  };
}
`;
}
