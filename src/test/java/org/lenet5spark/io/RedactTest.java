package org.lenet5spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

/** What {@link Redact} masks, and what it leaves alone. */
class RedactTest {

  @Test
  void userInfoOfEveryUriIsMasked() {
    assertEquals("data folder does not exist: hdfs://***@nn:8020/data",
        Redact.text("data folder does not exist: hdfs://bob:pw@nn:8020/data"));
    assertEquals("s3a://***@bucket/x and wasbs://***@acct.blob.core.windows.net/y",
        Redact.text("s3a://AKIA:se/cr+et@bucket/x and wasbs://token@acct.blob.core.windows.net/y"));
    assertEquals("hdfs://***@nn/a", Redact.uri(new Path("hdfs://u:p@nn/a")));
  }

  @Test
  void credentialPropertiesAreMasked() {
    assertEquals("bad -Dspark.hadoop.fs.s3a.secret.key=*** here",
        Redact.text("bad -Dspark.hadoop.fs.s3a.secret.key=abc/DEF+1 here"));
    assertEquals("fs.azure.account.key.acct.blob.core.windows.net=***",
        Redact.text("fs.azure.account.key.acct.blob.core.windows.net=ABCD=="));
    assertEquals("fs.s3a.access.key: ***", Redact.text("fs.s3a.access.key: AKIA123"));
    assertEquals("-Ddfs.webhdfs.oauth2.access.token=*** -Dfs.s3a.session.token=*** x",
        Redact.text("-Ddfs.webhdfs.oauth2.access.token=t0k -Dfs.s3a.session.token=abc x"));
    assertEquals("spark.hadoop.fs.azure.account.keyprovider.a=*** fs.defaultFS=hdfs://nn",
        Redact.text("spark.hadoop.fs.azure.account.keyprovider.a=k fs.defaultFS=hdfs://nn"));
  }

  @Test
  void plainLocationsAndMessagesAreLeftAlone() {
    String[] plain = {"hdfs://nn:8020/data/train", "file:/tmp/run/model.zip",
        "/tmp/x@y/model.zip", "shard part-00000.bin: record 7 has label 10, outside 0-9",
        "mailto user@example.org"};
    for (String s : plain) {
      assertEquals(s, Redact.text(s));
    }
  }
}
