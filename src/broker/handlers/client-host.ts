/**
 * The client host as Kafka reports it in DescribeGroups and stores in group
 * metadata: Java's InetAddress.toString() form, "/127.0.0.1". The request
 * context gives "address:port"; the port goes, and so does Node's
 * IPv4-mapped IPv6 prefix.
 */
export function kafkaClientHost(remoteAddress: string): string {
  const withoutPort = remoteAddress.replace(/:\d+$/, '');
  const address = withoutPort.startsWith('::ffff:') ? withoutPort.slice('::ffff:'.length) : withoutPort;
  return `/${address}`;
}
