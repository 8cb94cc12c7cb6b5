package org.lenet5spark.data;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import org.lenet5spark.errors.BadInputException;

/**
 * Which mirror URLs {@link MnistFetcher} may download from: https:// anywhere, http:// only to a
 * loopback host, never with user information, a query or a fragment; decided without any DNS
 * lookup.
 */
final class MirrorPolicy {
  private MirrorPolicy() {
  }

  /**
   * Checks a user-given mirror URL: https:// is allowed; http:// only to a loopback host
   * (localhost, 127.0.0.0/8, [::1]). Returns it with a trailing slash.
   *
   * @throws BadInputException when the URL is not allowed
   */
  static URI check(String url) {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new BadInputException("not a URL: --mirror " + url, e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      throw new BadInputException("mirror must be a plain https://host/path/ URL (no user, query "
          + "or fragment): " + url);
    }
    if (scheme.equals("http")) {
      if (!isLoopbackHost(uri.getHost())) {
        throw new BadInputException("refusing http:// mirror " + url + ": only https:// is "
            + "allowed, except http:// to localhost, 127.0.0.0/8 or [::1]");
      }
    } else if (!scheme.equals("https")) {
      throw new BadInputException("refusing mirror " + url + ": only https:// is allowed");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (path.endsWith("/")) {
      return uri;
    }
    return URI.create(scheme + "://" + uri.getRawAuthority() + path + "/");
  }

  /** Whether a URL host is a loopback name or literal, decided without any DNS lookup. */
  static boolean isLoopbackHost(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.equals("localhost")) {
      return true;
    }
    if (h.startsWith("[") && h.endsWith("]")) {
      try {
        // An IPv6 literal (it holds ':'), so this parses and never asks DNS.
        return h.contains(":")
            && InetAddress.getByName(h.substring(1, h.length() - 1)).isLoopbackAddress();
      } catch (UnknownHostException e) {
        return false;
      }
    }
    String[] parts = h.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return Integer.parseInt(parts[0]) == 127;
  }
}
