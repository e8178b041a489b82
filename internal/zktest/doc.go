// Package zktest runs a real ZooKeeper server for tests: Debian's
// zookeeper package (/usr/share/java/zookeeper.jar and a Java runtime) on
// a free loopback port with its own data directory, stopped with the test.
//
// A Server can be stopped and started again on the same port and data
// directory (a ZooKeeper restart keeps sessions whose timeout has not
// passed), or started again with its data wiped (every session is gone).
// A Proxy in front of it cuts a client off, as a network partition does:
// the server expires the client's session once the session timeout has
// passed without a ping, and the client learns it when the proxy lets it
// through again.
//
// The server is started as
//
//	java -cp /usr/share/java/zookeeper.jar:<its classpath> \
//	    org.apache.zookeeper.server.ZooKeeperServerMain zoo.cfg
//
// with zoo.cfg holding tickTime=500, dataDir, clientPort,
// clientPortAddress=127.0.0.1, admin.enableServer=false,
// minSessionTimeout=1000 and maxSessionTimeout=60000. It is up once it
// answers the four-letter word "srvr".
package zktest
