export { createCloudflareDnsDeleteAction } from './dnsDelete';
export { createCloudflareDnsEnsureAction } from './dnsEnsure';
export { createCloudflareOriginCertificateEnsureAction } from './originCertificateEnsure';
export { createCloudflareZoneSslEnsureAction } from './zoneSslEnsure';
