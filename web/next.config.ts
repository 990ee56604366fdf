import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // Lets a second checkout of the portal (e.g. a development build beside `npm start`) build
  // into its own folder instead of overwriting the running one's.
  distDir: process.env.SHEAF_WEB_DIST_DIR ?? '.next',
  // Workspace package with shared API types; compiled here so its source format never matters.
  transpilePackages: ['@sheaf/contracts'],
  // The repository lints with its own root ESLint config; type checking stays on.
  eslint: { ignoreDuringBuilds: true },
};

export default nextConfig;
