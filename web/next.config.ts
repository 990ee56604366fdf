import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // Workspace package with shared API types; compiled here so its source format never matters.
  transpilePackages: ['@sheaf/contracts'],
  // The repository lints with its own root ESLint config; type checking stays on.
  eslint: { ignoreDuringBuilds: true },
};

export default nextConfig;
