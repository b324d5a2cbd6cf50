export { createCloudflareDnsDeleteAction } from './dnsDelete';
export { createCloudflareDnsEnsureAction } from './dnsEnsure';
export { createCloudflareOriginCertificateDeleteAction } from './originCertificateDelete';
export { createCloudflareOriginCertificateEnsureAction } from './originCertificateEnsure';
export { createCloudflareZoneSslEnsureAction } from './zoneSslEnsure';
