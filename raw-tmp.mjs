import Database from 'better-sqlite3';
import { v7 } from 'uuid';
import fs from 'node:fs';
const variant=process.argv[2];
const f='/tmp/ptwork/raw.db'; for (const s of ['','-wal','-shm']) try{fs.unlinkSync(f+s)}catch{}
const db=new Database(f); db.pragma('journal_mode=WAL'); db.pragma('synchronous=FULL');
if (variant.includes('cache')) db.pragma('cache_size=-65536');
if (variant.includes('ckpt')) db.pragma('wal_autocheckpoint=10000');
let idx=`CREATE INDEX a ON events(type, position); CREATE INDEX b ON events(correlation_id, position); CREATE INDEX c ON events(time); CREATE INDEX d ON events(recorded_at);`;
if (variant.includes('noidx')) idx='';
db.exec(`CREATE TABLE events (position integer PRIMARY KEY AUTOINCREMENT NOT NULL, id varchar(255) NOT NULL, type varchar(255) NOT NULL, source varchar(255) NOT NULL, subject varchar(255), datacontenttype varchar(255) NOT NULL, time datetime NOT NULL, stream_id varchar(255), stream_version integer, correlation_id varchar(255) NOT NULL, causation_id varchar(255), data text, metadata text NOT NULL, recorded_at datetime NOT NULL, CONSTRAINT uq1 UNIQUE (id, source), CONSTRAINT uq2 UNIQUE (stream_id, stream_version));`+idx);
const N=204800, G=1024, R=256;
const row='('+Array(13).fill('?').join(',')+')';
const ret = variant.includes('noret') ? '' : ' RETURNING position, id, source';
const st=db.prepare(`INSERT INTO events (id,type,source,subject,datacontenttype,time,stream_id,stream_version,correlation_id,causation_id,data,metadata,recorded_at) VALUES ${Array(R).fill(row).join(',')}`+ret);
const begin=db.prepare('BEGIN'), commit=db.prepare('COMMIT');
let t0=performance.now(), ins=0, com=0;
const ids=[]; for(let i=0;i<N;i++) ids.push(v7());
let n=0;
for (let g=0; g<N/G; g++){
  begin.run(); const now=new Date().toISOString();
  for (let k=0;k<G/R;k++){ const p=[]; const cid=ids[n];
    for(let i=0;i<R;i++){ p.push(ids[n++],'invoice.issued','nest-event-starter',null,'application/json',now,null,null,cid,null,'{"invoiceId":"i-12345","amount":42}','{}',now);}
    const a=performance.now(); if (ret) st.all(p); else st.run(p); ins+=performance.now()-a; }
  const b=performance.now(); commit.run(); com+=performance.now()-b;
}
const ms=performance.now()-t0; console.log(variant, {ms:Math.round(ms),perSec:Math.round(N/ms*1000),insUsPerRow:(ins*1000/N).toFixed(2),commitMsEach:(com/(N/G)).toFixed(2)});
