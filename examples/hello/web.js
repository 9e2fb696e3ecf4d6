// A tiny HTTP server that listens on the PORT procodile assigns.
const http = require('node:http');
const port = Number(process.env.PORT || 5000);
http
  .createServer((req, res) => res.end(`hello from ${process.env.PROC_NAME}\n`))
  .listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
process.on('SIGTERM', () => {
  console.log('shutting down');
  process.exit(0);
});
