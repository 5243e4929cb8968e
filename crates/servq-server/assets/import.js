(function(){
var s=JSON.parse(document.getElementById('import-strings').textContent);
var form=document.getElementById('import-form');
var up=document.getElementById('upload-progress'),work=document.getElementById('import-progress');
var message=document.getElementById('import-message'),errors=document.getElementById('import-errors');
function fill(text,values){return text.replace(/\{(\w+)\}/g,function(_,k){return values[k]===undefined?'':String(values[k])})}
function say(text,cls){message.textContent=text;message.className=cls||''}
function render(job){
  document.getElementById('import-status').dataset.status=job.status;
  if(job.total>0){work.max=job.total;work.value=job.done}
  if(job.status==='imported'){work.max=1;work.value=1;say(fill(s['import.imported'],job.summary),'better')}
  else if(job.status==='rejected'){say(fill(s['import.rejected'],job),'error')}
  else if(job.status==='failed'){say(s['import.status_failed']+': '+job.message,'error')}
  else{say(s['import.status_'+job.status]+' '+job.rows_read)}
  errors.replaceChildren();
  (job.errors||[]).forEach(function(e){
    var tr=document.createElement('tr');
    [job.file_name,e.line,e.column,e.reason].forEach(function(v){var td=document.createElement('td');td.textContent=v;tr.appendChild(td)});
    errors.appendChild(tr)});
  errors.parentElement.hidden=!(job.errors&&job.errors.length);
  if(job.error_count>(job.errors||[]).length){var p=document.createElement('tr');var td=document.createElement('td');td.colSpan=4;td.textContent=fill(s['import.more_errors'],{n:job.error_count-job.errors.length});p.appendChild(td);errors.appendChild(p)}
}
function poll(id){
  fetch('/api/v1/imports/'+encodeURIComponent(id),{credentials:'same-origin'}).then(function(r){return r.json()}).then(function(job){
    render(job);if(!job.finished){setTimeout(function(){poll(id)},300)}else{document.getElementById('upload').disabled=false;refresh()}})
}
function refresh(){
  fetch('/import',{credentials:'same-origin'}).then(function(r){return r.text()}).then(function(html){
    var fresh=new DOMParser().parseFromString(html,'text/html').getElementById('imports');
    if(fresh){document.getElementById('imports').replaceWith(fresh)}})
}
form.addEventListener('submit',function(e){
  e.preventDefault();
  var xhr=new XMLHttpRequest();
  xhr.open('POST','/api/v1/imports');
  xhr.setRequestHeader('X-CSRF-Token',form.dataset.csrf);
  xhr.upload.onprogress=function(ev){if(ev.lengthComputable){up.max=ev.total;up.value=ev.loaded}};
  xhr.onload=function(){
    var body={};try{body=JSON.parse(xhr.responseText)}catch(_){}
    if(xhr.status===202){up.max=1;up.value=1;history.replaceState(null,'','/import?job='+encodeURIComponent(body.id));poll(body.id)}
    else{document.getElementById('upload').disabled=false;say(s['import.upload_failed']+': '+(body.message||body.detail||body.title||xhr.status),'error')}
  };
  xhr.onerror=function(){document.getElementById('upload').disabled=false;say(s['import.upload_failed'],'error')};
  document.getElementById('upload').disabled=true;errors.replaceChildren();work.value=0;up.value=0;
  say(s['import.uploading']);
  xhr.send(new FormData(form));
});
var maps=JSON.parse(document.getElementById('import-maps').textContent);
var kind=document.getElementById('import-kind'),map=document.getElementById('import-map');
function offer(){map.value=maps[kind.value]||'';document.getElementById('import-template').href='/import/template/'+encodeURIComponent(kind.value)}
kind.addEventListener('change',offer);offer();
var job=new URLSearchParams(location.search).get('job');if(job){poll(job)}
})();
