// An Agora function in HTTP mode: a server on $PORT answering each call with "hello " and the request body.
const http = require('node:http');

const port = Number(process.env.PORT || 8080);

http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('hello ' + Buffer.concat(chunks).toString('utf8'));
  });
}).listen(port);
